"""The Locust scenarios of loadtests/ run against the app without a single failure.

A few seconds with a user or three: not a measurement (make bench and make
bench-schedule are), only proof that the scenarios still sign in, find their pages
and endpoints, create clients and book.
"""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from fitnesscrm.accounts import services
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling.models import Booking, BookingStatus
from tests.factories import (
    PASSWORD,
    ClassSessionFactory,
    MemberFactory,
    SessionFactory,
    UserFactory,
    in_days,
)

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
    rows = _locust("loadtests/locustfile.py", user_class, 1, "4s", live_server, tmp_path, env)
    total = rows.pop("Aggregated")
    assert int(total["Failure Count"]) == 0
    assert int(total["Request Count"]) > 10
    prefix = "page" if user_class == "PageUser" else "api"
    assert {f"{prefix}: list p1", f"{prefix}: search"} <= set(rows)
    assert all(name.startswith(prefix) for name in rows)


def _locust(scenario, user_class, users, run_time, live_server, tmp_path, env) -> dict:
    """Run one Locust user class headless; its stats rows by name."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and scenario
        [
            sys.executable, "-m", "locust", "-f", scenario, "--headless",
            "-u", str(users), "-r", str(users), "--run-time", run_time,
            "--host", live_server.url, "--only-summary", "--csv", str(tmp_path / "run"),
            "--loglevel", "WARNING", user_class,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    with open(tmp_path / "run_stats.csv", encoding="utf-8") as stats:
        return {row["Name"]: row for row in csv.DictReader(stats)}


@pytest.mark.django_db(transaction=True)
def test_the_class_opens_scenario_books_each_client_once(live_server, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("clients booking at once through the test server need PostgreSQL")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    session = ClassSessionFactory(capacity=2, starts_at=in_days(2, 18))
    for n in (1, 2, 3):
        MemberFactory(
            user=UserFactory(role=Role.CLIENT, email=f"bench-client-{n}@example.test"),
            email=f"bench-client-{n}@example.test",
        )
    env = {
        **os.environ,
        "FCRM_CLIENT_EMAIL": "bench-client-{n}@example.test",
        "FCRM_CLIENT_PASSWORD": PASSWORD,
        "FCRM_SESSION_ID": str(session.pk),
        "FCRM_OPENS_AT": "0",
    }

    rows = _locust("loadtests/schedule.py", "ClassOpens", 3, "6s", live_server, tmp_path, env)

    assert int(rows["Aggregated"]["Failure Count"]) == 0
    assert int(rows["class opens: book"]["Request Count"]) == 3
    statuses = sorted(Booking.objects.filter(session=session).values_list("status", flat=True))
    assert statuses == [BookingStatus.BOOKED, BookingStatus.BOOKED, BookingStatus.WAITLISTED]


@pytest.mark.django_db(transaction=True)
def test_the_week_view_scenario_opens_every_view_without_failures(live_server, tmp_path, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    manager = UserFactory(role=Role.MANAGER, email="bench@example.test")
    _key, raw_key = services.api_key_create(user=manager, name="bench")
    session = SessionFactory()
    env = {
        **os.environ,
        "FCRM_EMAIL": manager.email,
        "FCRM_PASSWORD": PASSWORD,
        "FCRM_API_KEY": raw_key,
        "FCRM_TRAINERS": str(session.trainer_id),
        "FCRM_WEEKS_BACK": "1",
    }

    rows = _locust("loadtests/schedule.py", "WeekView", 1, "4s", live_server, tmp_path, env)

    assert int(rows.pop("Aggregated")["Failure Count"]) == 0
    # Tasks are drawn at random: a short run asks for some of the week's views, each one well.
    assert any(name.startswith("week: ") for name in rows), rows
