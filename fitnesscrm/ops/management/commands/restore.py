"""`fitnesscrm restore`: bring back a backup set (the newest, a file or an S3 key) into a
new database, check it against its manifest, migrate it, then switch to it
(docs/DISASTER_RECOVERY.md)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from fitnesscrm.ops.backup.alert import send_alert
from fitnesscrm.ops.backup.errors import BackupError, NotConfirmed
from fitnesscrm.ops.backup.logfile import LOGGER, logged_to_file
from fitnesscrm.ops.backup.restore import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup set: the newest (in BACKUP_DIR or the bucket), --file PATH or "
        "--s3-key KEY. Asks for confirmation unless --yes."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--file", help="A set's .tar file (its .sha256 beside it).")
        source.add_argument("--s3-key", help="A set's key in BACKUP_S3_BUCKET.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation (scripts)."
        )

    def confirm(self, question: str) -> bool:
        self.stdout.write(question)
        self.stdout.write("Type yes to restore: ", ending="")
        self.stdout.flush()
        answer = sys.stdin.readline()
        return answer.strip().lower() == "yes"

    def handle(self, *args, **options):
        with logged_to_file():
            LOGGER.info("Restore started.")
            try:
                result = backup_restore(
                    file=options["file"],
                    s3_key=options["s3_key"],
                    confirm=(lambda question: True) if options["yes"] else self.confirm,
                    say=self.stdout.write,
                )
            except NotConfirmed as exc:
                LOGGER.info(str(exc))
                raise CommandError(str(exc)) from exc
            except Exception as exc:
                message = f"Restore FAILED: {exc}"
                LOGGER.error(message, exc_info=not isinstance(exc, BackupError))
                problems = send_alert("restore_failed", message)
                if problems:
                    message += " (and the alert was not delivered: " + "; ".join(problems) + ")"
                raise CommandError(message) from exc
            kept = [item for item in (result.old_database, result.old_media) if item]
            summary = (
                f"Restore succeeded: {result.name} is now the database {result.database} "
                f"({result.rows:,} rows checked)."
                + (f" The previous data is kept as {' and '.join(kept)}." if kept else "")
            )
            LOGGER.info(summary)
        self.stdout.write(self.style.SUCCESS(summary))
