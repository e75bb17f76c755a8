"""`fitnesscrm restore`: a set brought back, checked, migrated, then switched in.

The order keeps the current data safe until the end: the set's checksum is verified
before anything else; the dump is restored into a new database (a new SQLite file) and
its row counts and key-table checksums compared with the manifest; migrations are
applied to it; the media are unpacked beside MEDIA_ROOT. Only then are the current
database and media renamed aside (kept, not deleted) and the new ones renamed into place.
A failure before the switch removes what was restored and leaves the current data as it was.
"""

import json
import logging
import os
import shutil
import subprocess  # nosec B404 # runs our own migrate command, without a shell
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from fitnesscrm.ops.backup import media
from fitnesscrm.ops.backup.create import exclusive
from fitnesscrm.ops.backup.database import compare, current_database
from fitnesscrm.ops.backup.errors import BackupError, NotConfirmed
from fitnesscrm.ops.backup.storage import (
    STAMP_FORMAT,
    LocalStore,
    S3Store,
    check_sidecar,
    sha256_of,
)

logger = logging.getLogger("fitnesscrm.backup")

MEMBERS = ("manifest.json", "database.dump", "database.sqlite3.gz", "media.tar.gz")


@dataclass
class RestoreResult:
    name: str
    database: str
    old_database: str | None
    old_media: str | None
    rows: int


def _say(message: str, say: Callable[[str], None]) -> None:
    logger.info(message)
    say(message)


def locate(*, file: str | None, s3_key: str | None, folder: Path, say) -> Path:
    """The set to restore, on local disk (downloaded into `folder` if it is in the bucket)."""
    if file:
        path = Path(file)
        if not path.is_file():
            raise BackupError(f"{path} does not exist.")
        return path
    store = LocalStore.from_settings()
    s3 = S3Store.from_settings()
    if s3_key:
        if not s3:
            raise BackupError("--s3-key needs BACKUP_S3_BUCKET (and its credentials) set.")
        _say(f"Downloading s3://{s3.bucket}/{s3_key}.", say)
        return s3.download(s3_key, folder)
    local = store.names()
    remote = s3.names() if s3 else []
    newest = max([*local, *remote], default=None)
    if newest is None:
        where = f"{store.root}" + (f" or {s3.where('')}" if s3 else "")
        raise BackupError(f"There is no backup set in {where}.")
    if newest in local:
        return store.path(newest)
    _say(f"The newest set is only in the bucket: downloading {s3.where(newest)}.", say)
    return s3.download(s3.key(newest), folder)


def unpack(path: Path, folder: Path) -> dict:
    """The members into `folder`, each checked against the manifest's SHA-256."""
    try:
        with tarfile.open(path, "r:") as packed:
            names = packed.getnames()
            unknown = [name for name in names if name not in MEMBERS]
            if unknown or "manifest.json" not in names:
                raise BackupError(f"{path.name} is not a FitnessCRM backup set.")
            packed.extractall(folder, filter="data")
    except tarfile.TarError as exc:
        raise BackupError(f"{path.name} cannot be read: {exc}") from exc
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, facts in manifest["files"].items():
        member = folder / name
        if not member.is_file() or sha256_of(member) != facts["sha256"]:
            raise BackupError(f"{name} in {path.name} does not match the manifest's checksum.")
    if not manifest.get("verification", {}).get("ok"):
        raise BackupError(f"{path.name} was never verified: it is not restored.")
    return manifest


def migrate(url: str) -> None:
    result = subprocess.run(  # nosec B603 # our own CLI, fixed arguments
        [sys.executable, "-m", "fitnesscrm.cli", "migrate", "--noinput"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"Applying migrations to the restored database failed: {detail}")


def backup_restore(
    *,
    file: str | None = None,
    s3_key: str | None = None,
    confirm: Callable[[str], bool],
    say: Callable[[str], None] = lambda message: None,
) -> RestoreResult:
    stamp = timezone.now().strftime(STAMP_FORMAT)
    store = LocalStore.from_settings()
    database = current_database()
    media_root = Path(settings.MEDIA_ROOT)

    with exclusive(store.root):
        work = store.root / f".restore-{stamp}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            path = locate(file=file, s3_key=s3_key, folder=work, say=say)
            check_sidecar(path)
            _say(f"Checksum of {path.name} verified.", say)
            manifest = unpack(path, work)
            vendor = manifest["database"]["vendor"]
            if vendor != database.vendor:
                raise BackupError(
                    f"{path.name} holds a {vendor} database; this app uses {database.vendor}."
                )
            counts = manifest["row_counts"]
            question = (
                f"Restore {path.name} (made {manifest['created_at']}, app "
                f"{manifest['app_version']}, {sum(counts.values()):,} rows, "
                f"{manifest['media']['files']:,} media files) over the database "
                f"{database.dbname} and the media in {media_root}? The current ones are "
                "kept aside under new names."
            )
            if not confirm(question):
                raise NotConfirmed("Restore not confirmed: nothing was changed.")

            dump = work / manifest["database"]["dump"]
            new = database.restore_new(dump, stamp)
            staged_media = None
            try:
                _say("Restored into a new database; comparing it with the manifest.", say)
                compare(manifest, database.snapshot_of(new), what="Checking the restore")
                _say(
                    f"Row counts of {len(counts)} tables and checksums of "
                    f"{len(manifest['checksums'])} key tables match the manifest.",
                    say,
                )
                migrate(database.url(new))
                _say("Migrations applied.", say)
                staged_media = media.unpack_beside(work / "media.tar.gz", media_root, stamp)
            except BaseException:
                database.discard(new)
                if staged_media:
                    shutil.rmtree(staged_media, ignore_errors=True)
                raise
            old_database = database.switch(new, stamp)
            old_media = media.swap(staged_media, media_root, stamp)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return RestoreResult(
        name=path.name,
        database=database.dbname,
        old_database=old_database,
        old_media=str(old_media) if old_media else None,
        rows=sum(counts.values()),
    )
