"""`fitnesscrm privacy_retention [--dry-run]`: apply the retention rules now, or show them."""

from django.conf import settings
from django.core.management.base import BaseCommand

from fitnesscrm.privacy.retention import retention_run


class Command(BaseCommand):
    help = (
        "Erase leads inactive for PRIVACY_LEAD_RETENTION_DAYS, delete audit entries older "
        "than PRIVACY_AUDIT_RETENTION_DAYS and the files of expired data exports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only print what would be done.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = retention_run(dry_run=dry_run)
        verb = "Would erase" if dry_run else "Erased"
        ids = ", ".join(f"#{pk}" for pk in report.leads) or "none"
        self.stdout.write(
            f"{verb} {len(report.leads)} lead(s) inactive for "
            f"{settings.PRIVACY_LEAD_RETENTION_DAYS} days: {ids}"
        )
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {report.audit_entries} audit entr(ies) older than "
            f"{settings.PRIVACY_AUDIT_RETENTION_DAYS} days"
        )
        self.stdout.write(f"{verb} the files of {report.exports} expired data export(s)")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
