"""`fitnesscrm backup`: one set made, verified, uploaded, then the retention applied.

Nothing is reported as done before every step has succeeded; any failure raises
BackupError (the command exits non-zero and calls the alert hook). A set appears in
BACKUP_DIR only once verified: it is built in a `.partial-*` folder, moved into place,
and its sidecar (which makes it count as a set) is written last.
"""

import fcntl
import logging
import os
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from fitnesscrm.ops.backup import manifest as manifests
from fitnesscrm.ops.backup import media, retention
from fitnesscrm.ops.backup.database import current_database
from fitnesscrm.ops.backup.errors import BackupError
from fitnesscrm.ops.backup.storage import (
    STAMP_FORMAT,
    LocalStore,
    S3Store,
    set_name,
    set_time,
    write_sidecar,
)

logger = logging.getLogger("fitnesscrm.backup")


@dataclass
class BackupResult:
    name: str
    path: Path
    size: int
    seconds: float
    uploaded_to: str = ""
    deleted_local: list[str] = field(default_factory=list)
    deleted_remote: list[str] = field(default_factory=list)


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One backup or restore at a time per BACKUP_DIR."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupError(f"Another backup or restore is running in {folder}.") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune(store, policy: retention.Policy) -> list[str]:
    names = store.names()
    moments = {set_time(name): name for name in names}
    doomed = [moments[moment] for moment in retention.to_delete(moments, policy)]
    for name in doomed:
        store.delete(name)
    return doomed


def _say(message: str, say: Callable[[str], None]) -> None:
    logger.info(message)
    say(message)


def backup_create(
    *, now: datetime | None = None, say: Callable[[str], None] = lambda message: None
) -> BackupResult:
    started = time.monotonic()
    moment = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    stamp = moment.strftime(STAMP_FORMAT)
    store = LocalStore.from_settings()
    s3 = S3Store.from_settings()
    database = current_database()
    name = set_name(moment)
    media_root = Path(settings.MEDIA_ROOT)

    with exclusive(store.root):
        final = store.path(name)
        if final.exists():
            raise BackupError(f"{final} already exists.")
        stage = store.root / f".partial-{stamp}"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        try:
            dump, data = database.dump(stage)
            _say(
                f"Dumped {database.vendor} database {database.dbname}: "
                f"{sum(data['row_counts'].values()):,} rows in {len(data['row_counts'])} tables "
                f"({dump.stat().st_size:,} bytes).",
                say,
            )
            archive = stage / "media.tar.gz"
            media_info = media.archive(media_root, archive)
            _say(f"Archived {media_info['files']:,} media files from {media_root}.", say)

            checked = time.monotonic()
            database.verify(dump, data, stamp)
            media.check(archive, media_info["files"])
            verification = {
                "ok": True,
                "at": timezone.now().isoformat(),
                "seconds": round(time.monotonic() - checked, 2),
                "method": (
                    "pg_restore --list, restored into a scratch database, every table's row "
                    "count and the key tables' checksums compared"
                    if database.vendor == "postgresql"
                    else "unpacked, PRAGMA integrity_check, every table's row count and the "
                    "key tables' checksums compared"
                ),
            }
            _say(f"Verified the dump ({verification['seconds']} s).", say)

            manifest = manifests.build(
                name=name,
                created_at=moment,
                database=database,
                data=data,
                files=[dump, archive],
                media_info=media_info,
                media_root=media_root,
                verification=verification,
            )
            manifest_path = manifests.write(manifest, stage / "manifest.json")
            built = stage / name
            with tarfile.open(built, "w") as packed:
                for path in (manifest_path, dump, archive):
                    packed.add(path, arcname=path.name, recursive=False)
            os.replace(built, final)
            write_sidecar(final)
        except BaseException:
            store.delete(name)
            raise
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        size = final.stat().st_size
        _say(f"Wrote {final} ({size:,} bytes) and its checksum.", say)

        result = BackupResult(name=name, path=final, size=size, seconds=0.0)
        if s3:
            s3.upload(final)
            result.uploaded_to = s3.where(name)
            _say(f"Uploaded to {result.uploaded_to}.", say)

        policy = retention.Policy.from_settings()
        result.deleted_local = prune(store, policy)
        if s3:
            result.deleted_remote = prune(s3, policy)
        if result.deleted_local or result.deleted_remote:
            _say(
                f"Retention removed {len(result.deleted_local)} local and "
                f"{len(result.deleted_remote)} uploaded sets.",
                say,
            )
    result.seconds = round(time.monotonic() - started, 2)
    return result
