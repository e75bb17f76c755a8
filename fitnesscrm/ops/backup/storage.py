"""Where backup sets live: BACKUP_DIR on disk and, when configured, an S3-compatible bucket.

A set is one file, `fitnesscrm-YYYYMMDDTHHMMSSZ.tar` (the time is UTC), holding
manifest.json, the database dump and media.tar.gz, with a sidecar
`<name>.tar.sha256` in `sha256sum` format (`sha256sum -c` checks it by hand).
"""

import hashlib
import json
import logging
import re
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from fitnesscrm.ops.backup.errors import BackupError

logger = logging.getLogger("fitnesscrm.backup")

SET_PATTERN = re.compile(r"^fitnesscrm-(\d{8}T\d{6}Z)\.tar$")
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
SIDECAR_SUFFIX = ".sha256"


def set_name(moment: datetime) -> str:
    return f"fitnesscrm-{moment.astimezone(UTC).strftime(STAMP_FORMAT)}.tar"


def set_time(name: str) -> datetime | None:
    match = SET_PATTERN.match(name)
    if not match:
        return None
    return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def write_sidecar(path: Path) -> Path:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    sidecar.write_text(f"{sha256_of(path)}  {path.name}\n", encoding="utf-8")
    return sidecar


def check_sidecar(path: Path) -> str:
    """The file's SHA-256 if it matches its sidecar; BackupError otherwise."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        raise BackupError(f"{sidecar} is missing: the set's checksum cannot be verified.")
    expected = sidecar.read_text(encoding="utf-8").split()[:1]
    actual = sha256_of(path)
    if expected != [actual]:
        raise BackupError(
            f"{path.name} does not match its checksum ({sidecar.name}): the file is damaged "
            "or incomplete. Nothing was changed."
        )
    return actual


def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r:") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            return json.load(member)
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{path.name} has no readable manifest ({exc}).") from exc


# --- Local directory -----------------------------------------------------------------------


@dataclass
class LocalStore:
    root: Path

    @classmethod
    def from_settings(cls) -> "LocalStore":
        return cls(Path(settings.BACKUP_DIR))

    def names(self) -> list[str]:
        """Complete sets (the file and its sidecar), oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(
            path.name
            for path in self.root.iterdir()
            if SET_PATTERN.match(path.name)
            and path.is_file()
            and path.with_name(path.name + SIDECAR_SUFFIX).is_file()
        )

    def path(self, name: str) -> Path:
        return self.root / name

    def delete(self, name: str) -> None:
        for path in (self.root / name, self.root / (name + SIDECAR_SUFFIX)):
            path.unlink(missing_ok=True)


# --- S3-compatible bucket --------------------------------------------------------------------


@dataclass
class S3Store:
    bucket: str
    prefix: str
    client: object

    @classmethod
    def from_settings(cls) -> "S3Store | None":
        if not settings.BACKUP_S3_BUCKET:
            return None
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=settings.BACKUP_S3_ENDPOINT_URL or None,
            region_name=settings.BACKUP_S3_REGION or None,
            aws_access_key_id=settings.BACKUP_S3_ACCESS_KEY_ID or None,
            aws_secret_access_key=settings.BACKUP_S3_SECRET_ACCESS_KEY or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10),
        )
        return cls(settings.BACKUP_S3_BUCKET, settings.BACKUP_S3_PREFIX, client)

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(name)}"

    def upload(self, path: Path) -> None:
        """The set, then its sidecar; each checked by its size once stored."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        for local in (path, sidecar):
            key = self.key(local.name)
            try:
                self.client.upload_file(str(local), self.bucket, key)
                stored = self.client.head_object(Bucket=self.bucket, Key=key)
            except (Boto3Error, BotoCoreError, ClientError, OSError) as exc:
                raise BackupError(f"Upload to s3://{self.bucket}/{key} failed: {exc}") from exc
            if stored["ContentLength"] != local.stat().st_size:
                raise BackupError(
                    f"Upload to s3://{self.bucket}/{key} is incomplete "
                    f"({stored['ContentLength']} of {local.stat().st_size} bytes)."
                )

    def names(self) -> list[str]:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        found: set[str] = set()
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    found.add(item["Key"][len(self.prefix) :])
        except (Boto3Error, BotoCoreError, ClientError) as exc:
            raise BackupError(f"Listing s3://{self.bucket}/{self.prefix} failed: {exc}") from exc
        return sorted(
            name for name in found if SET_PATTERN.match(name) and name + SIDECAR_SUFFIX in found
        )

    def download(self, key: str, folder: Path) -> Path:
        """The set at `key` and its sidecar, into `folder`."""
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        name = key.rsplit("/", 1)[-1]
        if not name.endswith(".tar"):
            raise BackupError(f"{key} is not a backup set (a .tar key).")
        target = folder / name
        for remote, local in ((key, target), (key + SIDECAR_SUFFIX, folder / (name + ".sha256"))):
            try:
                self.client.download_file(self.bucket, remote, str(local))
            except (Boto3Error, BotoCoreError, ClientError, OSError) as exc:
                raise BackupError(f"Download of s3://{self.bucket}/{remote} failed: {exc}") from exc
        return target

    def delete(self, name: str) -> None:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={
                    "Objects": [{"Key": self.key(name)}, {"Key": self.key(name + SIDECAR_SUFFIX)}]
                },
            )
        except (Boto3Error, BotoCoreError, ClientError) as exc:
            raise BackupError(f"Deleting {self.where(name)} failed: {exc}") from exc


def last_good_backup(folder: Path | None = None) -> datetime | None:
    """When the newest verified set in BACKUP_DIR was made; None if there is none.

    Reads the manifests, newest first (their checksums are not recomputed: that is the
    restore's job).
    """
    store = LocalStore(Path(folder) if folder else Path(settings.BACKUP_DIR))
    for name in reversed(store.names()):
        try:
            manifest = read_manifest(store.path(name))
        except BackupError:
            logger.warning("Backup set %s has no readable manifest.", name)
            continue
        if manifest.get("verification", {}).get("ok") is True:
            return datetime.fromisoformat(manifest["created_at"])
    return None
