"""The operator's health check: each check's verdict, the worst one decides the exit status.

The stack test (tests/deploy/test_stack.py) runs scripts/health-check.sh against nginx,
the app, PostgreSQL and Redis; these tests go through each check's limits.
"""

import json
import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fitnesscrm.ops import healthcheck
from fitnesscrm.ops.healthcheck import CRITICAL, OK, WARNING, Limits

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def hours_ago(hours: float):
    return lambda: datetime.now(UTC) - timedelta(hours=hours)


def run(limits: Limits | None = None, *, url=None, backup=None):
    backup = backup or hours_ago(2)
    status, results = healthcheck.run(
        url=url, tls_host=None, ca_file=None, limits=limits or Limits(), newest_backup=backup
    )
    return status, {result.name: result for result in results}


def test_a_healthy_installation_is_ok_in_every_check():
    status, results = run()
    assert status == OK
    assert set(results) == {"database", "redis", "disk", "task_queue", "backup"}
    assert all(result.status == OK for result in results.values())


def test_an_app_that_does_not_answer_is_critical():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    status, results = run(url=f"http://127.0.0.1:{closed}")
    assert (status, results["app"].status) == (CRITICAL, CRITICAL)
    assert "does not answer" in results["app"].summary


@pytest.mark.parametrize(("age_hours", "expected"), [(2, OK), (30, WARNING), (60, CRITICAL)])
def test_the_last_backups_age_decides_its_verdict(age_hours, expected):
    status, results = run(backup=hours_ago(age_hours))
    assert results["backup"].status == expected == status


def test_no_verified_backup_at_all_is_critical():
    status, results = run(backup=lambda: None)
    assert status == CRITICAL
    assert results["backup"].summary == "no verified backup found"


def test_a_backlog_warns_and_a_task_nobody_takes_is_critical():
    from django_tasks_db.models import DBTaskResult

    from fitnesscrm.ops.tasks import task_results_prune

    for _ in range(3):
        task_results_prune.enqueue()
    status, results = run(Limits(queue_warning=2))
    assert results["task_queue"].status == WARNING
    assert results["task_queue"].details["waiting"] == 3

    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=20))
    status, results = run()
    assert (status, results["task_queue"].status) == (CRITICAL, CRITICAL)
    assert "the oldest for 1200 s" in results["task_queue"].summary


def test_little_free_disk_warns_and_less_is_critical(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    free = run()[1]["disk"].details[str(tmp_path)]["free_percent"]
    assert run(Limits(disk_warning_percent=free + 1))[1]["disk"].status == WARNING
    limits = Limits(disk_warning_percent=free + 2, disk_critical_percent=free + 1)
    assert run(limits)[1]["disk"].status == CRITICAL


def test_the_script_reports_a_database_that_does_not_answer_as_critical(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "REDIS_URL"))
    }
    env.update(
        DEBUG="true",
        ENV_FILE=str(tmp_path / "absent.env"),
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed}/fitnesscrm",
        DATABASE_POOL_TIMEOUT="2",
    )
    result = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "health-check.sh"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == CRITICAL
    assert report["checks"]["database"]["status"] == CRITICAL
    assert report["checks"]["task_queue"]["status"] == CRITICAL


def test_an_unreachable_redis_is_critical(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    _, results = run()
    assert results["redis"].status == CRITICAL


def test_the_json_form_lists_each_check_with_its_verdict():
    status, results = run(backup=lambda: None)
    data = healthcheck.as_json(status, list(results.values()))
    assert data["status"] == CRITICAL
    assert data["checks"]["backup"]["status"] == CRITICAL
    assert data["checks"]["database"]["status"] == OK
