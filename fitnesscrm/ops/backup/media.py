"""Uploaded media (MEDIA_ROOT) in a set: a tar.gz of every file, restored beside the
current folder and swapped in. Progress photos kept in S3 (S3_BUCKET) are not in it:
that bucket is backed up by its own versioning or replication."""

import os
import shutil
import tarfile
from pathlib import Path

from fitnesscrm.ops.backup.errors import BackupError


def archive(media_root: Path, target: Path) -> dict:
    files = size = 0
    with tarfile.open(target, "w:gz", compresslevel=6) as packed:
        if media_root.is_dir():
            for folder, dirs, names in os.walk(media_root):
                dirs.sort()
                for name in sorted(names):
                    path = Path(folder) / name
                    if path.is_symlink() or not path.is_file():
                        continue
                    packed.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    files += 1
                    size += path.stat().st_size
    return {"files": files, "bytes": size}


def check(archive_path: Path, expected_files: int) -> None:
    """Every member reads back (gzip's CRC checked) and the count matches."""
    files = 0
    try:
        with tarfile.open(archive_path, "r:gz") as packed:
            for member in packed:
                if member.isfile():
                    handle = packed.extractfile(member)
                    while handle and handle.read(1024 * 1024):
                        pass
                    files += 1
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"The media archive is unreadable: {exc}") from exc
    if files != expected_files:
        raise BackupError(
            f"The media archive holds {files} files; the manifest says {expected_files}."
        )


def unpack_beside(archive_path: Path, media_root: Path, stamp: str) -> Path:
    staging = media_root.with_name(f".{media_root.name}.restore-{stamp}")
    staging.mkdir(parents=True)
    try:
        with tarfile.open(archive_path, "r:gz") as packed:
            packed.extractall(staging, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"Unpacking the media failed: {exc}") from exc
    return staging


def swap(staging: Path, media_root: Path, stamp: str) -> Path | None:
    kept = media_root.with_name(f"{media_root.name}.pre-restore-{stamp}")
    had_old = media_root.exists()
    if had_old:
        media_root.rename(kept)
    staging.rename(media_root)
    return kept if had_old else None
