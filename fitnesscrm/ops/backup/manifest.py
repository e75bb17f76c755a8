"""The manifest of a set: what it holds and the figures a restore is checked against."""

import json
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fitnesscrm.ops.backup.storage import sha256_of

FORMAT = 1


def app_version() -> str:
    try:
        return version("fitnesscrm")
    except PackageNotFoundError:
        return "unknown"


def build(
    *,
    name: str,
    created_at: datetime,
    database,
    data: dict,
    files: list[Path],
    media_info: dict,
    media_root: Path,
    verification: dict,
) -> dict:
    return {
        "format": FORMAT,
        "name": name,
        "created_at": created_at.isoformat(),
        "app_version": app_version(),
        "database": {
            "vendor": database.vendor,
            "name": Path(database.dbname).name if database.vendor == "sqlite" else database.dbname,
            "server_version": data.get("server_version", ""),
            "dump": files[0].name,
        },
        "migrations": data.get("migrations", {}),
        "row_counts": data["row_counts"],
        "checksums": data["checksums"],
        "media": {**media_info, "root": str(media_root), "archive": "media.tar.gz"},
        "files": {
            path.name: {"size": path.stat().st_size, "sha256": sha256_of(path)} for path in files
        },
        "verification": verification,
    }


def write(manifest: dict, path: Path) -> Path:
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
