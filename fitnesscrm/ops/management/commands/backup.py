"""`fitnesscrm backup`: a verified backup set of the database and the media
(docs/DISASTER_RECOVERY.md). Exits non-zero and calls the alert hook on any failure."""

from django.core.management.base import BaseCommand, CommandError

from fitnesscrm.ops.backup.alert import send_alert
from fitnesscrm.ops.backup.create import backup_create
from fitnesscrm.ops.backup.errors import BackupError
from fitnesscrm.ops.backup.logfile import LOGGER, logged_to_file


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded media into BACKUP_DIR: verify the set by "
        "restoring it into a scratch database, upload it to BACKUP_S3_BUCKET if set, and "
        "apply the retention."
    )
    # The checks would open the database through Django; the backup opens its own.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        with logged_to_file():
            LOGGER.info("Backup started.")
            try:
                result = backup_create(say=self.stdout.write)
            except Exception as exc:
                message = f"Backup FAILED: {exc}"
                LOGGER.error(message, exc_info=not isinstance(exc, BackupError))
                problems = send_alert("backup_failed", message)
                if problems:
                    message += " (and the alert was not delivered: " + "; ".join(problems) + ")"
                raise CommandError(message) from exc
            summary = (
                f"Backup succeeded: {result.path} ({result.size:,} bytes, verified"
                + (f", uploaded to {result.uploaded_to}" if result.uploaded_to else "")
                + f") in {result.seconds} s."
            )
            LOGGER.info(summary)
        self.stdout.write(self.style.SUCCESS(summary))
