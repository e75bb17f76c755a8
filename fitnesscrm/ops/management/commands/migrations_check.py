"""`fitnesscrm migrations_check`: fail when a migration would break a rolling deploy."""

from django.core.management.base import BaseCommand, CommandError

from fitnesscrm.ops.migration_safety import unsafe_operations


class Command(BaseCommand):
    help = (
        "List migrations that drop or rename a column or table in one step, or add a NOT "
        "NULL column without a database default; exit 1 if there are any."
    )

    def handle(self, *args, **options):
        findings = unsafe_operations()
        for finding in findings:
            self.stderr.write(str(finding))
        if findings:
            raise CommandError(
                f"{len(findings)} migration operation(s) would break the release still "
                "running during a rolling deploy (the rule: fitnesscrm/ops/migration_safety.py)."
            )
        self.stdout.write("Every migration is safe for a rolling deploy.")
