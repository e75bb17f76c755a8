"""The scheduler enqueues each periodic job once per interval, whatever runs beside it."""

import signal
import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fitnesscrm.ops import periodic, tasks
from fitnesscrm.ops.models import PeriodicJob
from fitnesscrm.periodic import PERIODIC_JOBS
from tests.ops.test_serve import PROJECT_DIR, fitnesscrm, production_env

SESSIONS = periodic.Periodic(
    "test.sessions", "fitnesscrm.ops.tasks.sessions_clear_expired", every=timedelta(hours=1)
)


def enqueued_sessions_tasks() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="sessions_clear_expired").count()


@pytest.mark.django_db
def test_a_new_job_is_due_at_once_then_once_per_interval():
    start = timezone.now()

    assert periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=start) == ["test.sessions"]
    assert periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=start + timedelta(minutes=59)) == []
    assert enqueued_sessions_tasks() == 1

    assert periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=start + timedelta(hours=1)) == [
        "test.sessions"
    ]
    job = PeriodicJob.objects.get(name="test.sessions")
    assert job.next_run_at == start + timedelta(hours=2)
    assert job.last_task_id == str(DBTaskResult.objects.latest("enqueued_at").id)
    assert enqueued_sessions_tasks() == 2


@pytest.mark.django_db
def test_a_shortened_interval_brings_the_next_run_forward():
    start = timezone.now()
    weekly = periodic.Periodic(SESSIONS.name, SESSIONS.task, every=timedelta(days=7))
    periodic.jobs_enqueue_due(jobs=(weekly,), now=start)

    hourly = periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=start + timedelta(hours=1))

    assert hourly == []  # not due yet: brought forward to one interval from now
    assert PeriodicJob.objects.get(name=SESSIONS.name).next_run_at == start + timedelta(hours=2)
    assert periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=start + timedelta(hours=2)) == [
        SESSIONS.name
    ]


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_enqueue_a_due_job_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    now = timezone.now()
    periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=now - timedelta(hours=2))
    PeriodicJob.objects.filter(name=SESSIONS.name).update(next_run_at=now - timedelta(minutes=1))
    barrier = threading.Barrier(4)
    results = []

    def scheduler():
        try:
            barrier.wait()
            results.append(periodic.jobs_enqueue_due(jobs=(SESSIONS,), now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [[], [], [], [SESSIONS.name]]
    assert enqueued_sessions_tasks() == 2  # the first run two hours ago, and this one


@pytest.mark.django_db
def test_every_declared_job_names_a_task_that_exists_and_takes_no_arguments():
    names = [job.name for job in PERIODIC_JOBS]
    assert len(names) == len(set(names))
    now = timezone.now()

    assert periodic.jobs_enqueue_due(now=now) == names
    assert DBTaskResult.objects.count() == len(PERIODIC_JOBS)


@pytest.mark.django_db
def test_the_sessions_job_deletes_expired_sessions_only():
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(days=1))
    Session.objects.create(
        session_key="live", session_data="x", expire_date=now + timedelta(days=1)
    )

    tasks.sessions_clear_expired.call()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


@pytest.mark.django_db
def test_the_task_results_job_deletes_old_finished_tasks_and_keeps_recent_and_waiting_ones():
    for _ in range(3):
        tasks.sessions_clear_expired.enqueue()
    old, recent, waiting = DBTaskResult.objects.order_by("enqueued_at")
    long_ago = timezone.now() - timedelta(days=tasks.TASK_RESULTS_KEEP_DAYS + 1)
    DBTaskResult.objects.filter(pk=old.pk).update(status="SUCCESSFUL", finished_at=long_ago)
    DBTaskResult.objects.filter(pk=recent.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now()
    )

    tasks.task_results_prune.call()

    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


@pytest.mark.django_db
def test_scheduler_once_and_list_report_what_they_did():
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    for job in PERIODIC_JOBS:
        assert f"enqueued {job.name}" in out.getvalue()

    listing = StringIO()
    call_command("scheduler", "--list", stdout=listing)
    for job in PERIODIC_JOBS:
        assert job.name in listing.getvalue()
        assert job.description in listing.getvalue()


def test_the_scheduler_process_enqueues_due_jobs_and_stops_on_sigterm(tmp_path):
    env = production_env(tmp_path)
    assert fitnesscrm("migrate", "--noinput", env=env).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "fitnesscrm.cli", "scheduler"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if sum("enqueued" in seen for seen in lines) == len(PERIODIC_JOBS):
                break
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0
    assert "Scheduler stopped." in rest
    listing = fitnesscrm("scheduler", "--list", env=env)
    assert "not run yet" not in listing.stdout
