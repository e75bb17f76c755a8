"""The Locust scenario of loadtests/ runs against the app without a single failure.

A few seconds with two users: not a measurement (make bench is), only proof that the
scenario still signs in, finds its pages and endpoints, and creates clients.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fitnesscrm.accounts import services
from fitnesscrm.core.roles import Role
from tests.factories import PASSWORD, UserFactory

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("user_class", ["PageUser", "ApiUser"])
def test_the_locust_scenario_runs_every_request_without_failures(
    user_class, live_server, tmp_path, settings
):
    # Plain HTTP, as make bench serves (HTTPS=false): cookies without the Secure flag.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    manager = UserFactory(role=Role.MANAGER, email="bench@example.test")
    _key, raw_key = services.api_key_create(user=manager, name="bench")
    env = {
        **os.environ,
        "FCRM_EMAIL": manager.email,
        "FCRM_PASSWORD": PASSWORD,
        "FCRM_API_KEY": raw_key,
        "FCRM_WAIT_MIN": "0",
        "FCRM_WAIT_MAX": "0.05",
    }
    # One user at a time: the test server shares one database connection between its
    # threads on SQLite, which concurrent writes would trip over (make bench is where
    # many users run at once).
    result = subprocess.run(  # noqa: S603 - our own interpreter and scenario
        [
            sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--headless",
            "-u", "1", "-r", "1", "--run-time", "4s", "--host", live_server.url,
            "--only-summary", "--csv", str(tmp_path / "run"), "--loglevel", "WARNING",
            user_class,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
    with open(tmp_path / "run_stats.csv", encoding="utf-8") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    total = rows.pop("Aggregated")
    assert int(total["Failure Count"]) == 0
    assert int(total["Request Count"]) > 10
    prefix = "page" if user_class == "PageUser" else "api"
    assert {f"{prefix}: list p1", f"{prefix}: search"} <= set(rows)
    assert all(name.startswith(prefix) for name in rows)
