"""The `fitnesscrm` command: Django's management commands plus our own."""

import os
import sys
import tempfile
from pathlib import Path


def prepare_metrics_dir() -> str:
    """The directory where each web worker process writes its metrics, emptied.

    prometheus_client reads PROMETHEUS_MULTIPROC_DIR when it is first imported, so this
    runs before Django loads anything; gunicorn's workers inherit it. Files left by an
    earlier run would add old counts to new ones, so they are removed.
    """
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = tempfile.mkdtemp(prefix="fitnesscrm-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    Path(path).mkdir(parents=True, exist_ok=True)
    for stale in Path(path).glob("*.db"):
        stale.unlink()
    return path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitnesscrm.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        prepare_metrics_dir()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fitnesscrm", *args])


if __name__ == "__main__":
    main()
