"""`fitnesscrm imports_cleanup`: end interrupted client imports and clean old ones."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from fitnesscrm.clients.imports import cleanup


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Mark failed the client imports whose background run stopped, and delete the "
        "uploaded file, first rows and row problems of imports that ended (or were left "
        "unfinished) more than CLIENT_IMPORT_RETENTION_DAYS days ago. The import records "
        "stay as history. Safe to run at any time, and again."
    )

    def handle(self, *args, **options):
        try:
            days = cleanup.retention_days()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        report = cleanup.imports_cleanup()
        minutes = int(cleanup.STALE_AFTER.total_seconds() // 60)
        self.stdout.write(
            f"Interrupted (no sign of life for {minutes} minutes), marked failed: "
            f"{report.interrupted:,}"
        )
        self.stdout.write(f"Ended more than {days} days ago, cleaned: {report.finished:,}")
        self.stdout.write(
            f"Left unfinished for {days} days, cancelled and cleaned: {report.abandoned:,}"
        )
        self.stdout.write(
            f"Deleted: {_plural(report.files, 'uploaded file')}, "
            f"{_plural(report.row_errors, 'row problem')}."
        )
        if report.failed:
            raise CommandError(
                f"The files of {_plural(report.failed, 'import')} could not be deleted "
                "(see the log); the next cleanup tries again."
            )
