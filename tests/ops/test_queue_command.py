"""`fitnesscrm queue`: what an operator sees of the task queue, and putting back the tasks a
dead worker left RUNNING."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fitnesscrm.core.tasks import idempotency_keys_prune, send_email

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("queue", *args, stdout=out)
    return out.getvalue()


def claimed_by_a_dead_worker(minutes_ago: int) -> DBTaskResult:
    result = send_email.enqueue(to=["sofia@example.com"], subject="Your booking", text="See you")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("worker-that-was-killed")
    DBTaskResult.objects.filter(id=row.id).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def test_status_counts_waiting_running_and_failed_tasks_by_name():
    idempotency_keys_prune.enqueue()
    idempotency_keys_prune.enqueue()
    stuck = claimed_by_a_dead_worker(minutes_ago=90)
    failed = send_email.enqueue(to=["a@example.com"], subject="s", text="t")
    DBTaskResult.objects.filter(id=failed.id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now()
    )

    data = json.loads(run("status", "--json"))

    assert data["counts"]["READY"] == 2
    assert data["counts"]["RUNNING"] == 1
    assert data["waiting_by_task"] == {"fitnesscrm.core.tasks.idempotency_keys_prune": 2}
    assert data["running"][0]["id"] == str(stuck.id)
    assert data["running"][0]["worker"] == "worker-that-was-killed"
    assert data["running"][0]["running_seconds"] >= 90 * 60
    assert data["failed_last_24h_by_task"] == {"fitnesscrm.core.tasks.send_email": 1}
    text = run("status")
    assert "running" in text and "worker-that-was-killed" in text


# The worker opens its own connections, as it does in production: no test transaction.
@pytest.mark.django_db(transaction=True)
def test_requeue_without_yes_only_lists_and_with_yes_the_worker_runs_the_task_again():
    stuck = claimed_by_a_dead_worker(minutes_ago=90)
    recent = claimed_by_a_dead_worker(minutes_ago=5)

    listing = run("requeue-stale", "--minutes", "30")

    assert str(stuck.id) in listing and str(recent.id) not in listing
    assert DBTaskResult.objects.get(id=stuck.id).status == TaskResultStatus.RUNNING

    done = run("requeue-stale", "--minutes", "30", "--yes")

    assert "1 task(s) put back in the queue" in done
    assert DBTaskResult.objects.get(id=stuck.id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=recent.id).status == TaskResultStatus.RUNNING
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    assert DBTaskResult.objects.get(id=stuck.id).status == TaskResultStatus.SUCCESSFUL
    assert [message.subject for message in mail.outbox] == ["Your booking"]


def test_a_nonsense_threshold_is_refused():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        run("requeue-stale", "--minutes", "0", "--yes")
