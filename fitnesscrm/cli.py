"""The `fitnesscrm` command: Django's management commands plus our own."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fitnesscrm.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["fitnesscrm", *args])


if __name__ == "__main__":
    main()
