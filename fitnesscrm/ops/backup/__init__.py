"""Backups and restores of the database and the uploaded media (docs/DISASTER_RECOVERY.md).

`fitnesscrm backup` writes one backup set, verifies it by restoring it into a scratch
database, uploads it when a bucket is configured and applies the retention;
`fitnesscrm restore` brings a set back into a new database and switches to it only once
its row counts and checksums match the set's manifest.
"""

from fitnesscrm.ops.backup.errors import BackupError, NotConfirmed
from fitnesscrm.ops.backup.storage import last_good_backup

__all__ = ["BackupError", "NotConfirmed", "last_good_backup"]
