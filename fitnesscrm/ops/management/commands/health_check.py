"""`fitnesscrm health_check`: the whole installation's health; exit 0 ok, 1 warning, 2 critical."""

import json
import sys

from django.core.management.base import BaseCommand

from fitnesscrm.ops import healthcheck

LABELS = {healthcheck.OK: "OK", healthcheck.WARNING: "WARNING", healthcheck.CRITICAL: "CRITICAL"}


def newest_backup():
    from fitnesscrm.ops.backup import last_good_backup

    return last_good_backup()


class Command(BaseCommand):
    help = (
        "Check the app through its URL, the database, Redis, disk space, the task queue, "
        "the last verified backup and the TLS certificate. Exit 0 when all are OK, 1 on a "
        "warning, 2 on a critical problem."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        limits = healthcheck.Limits()
        parser.add_argument(
            "--url", help="Where the app answers, e.g. https://crm.example.com (skipped if absent)"
        )
        parser.add_argument(
            "--tls-host",
            help="HOST[:PORT] whose certificate's expiry is checked (default port 443)",
        )
        parser.add_argument("--ca-file", help="Trust this CA file too (a private CA)")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")
        for name, default in vars(limits).items():
            parser.add_argument(
                "--" + name.replace("_", "-"), type=float, default=default, dest=name
            )

    def handle(self, *args, url, tls_host, ca_file, json: bool, **options):
        limits = healthcheck.Limits(**{name: options[name] for name in vars(healthcheck.Limits())})
        status, results = healthcheck.run(
            url=url, tls_host=tls_host, ca_file=ca_file, limits=limits, newest_backup=newest_backup
        )
        if json:
            self.stdout.write(_json_dumps(healthcheck.as_json(status, results)))
        else:
            for result in results:
                self.stdout.write(f"{LABELS[result.status]:<9} {result.name:<12} {result.summary}")
            self.stdout.write(f"FitnessCRM health: {LABELS[status]}")
        sys.exit(healthcheck.EXIT_CODES[status])


def _json_dumps(data: dict) -> str:
    return json.dumps(data, indent=2, default=str)
