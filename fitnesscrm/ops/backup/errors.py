class BackupError(Exception):
    """A step of a backup or a restore failed; the message says which and what was kept."""


class NotConfirmed(BackupError):
    """The operator did not confirm a restore: nothing was changed."""
