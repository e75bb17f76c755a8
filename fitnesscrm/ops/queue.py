"""The task queue as an operator sees it: what waits, what runs, what failed, and the
tasks a worker took and never finished.

The queue is the `django_tasks_db` table. A worker that is killed (OOM, a lost node,
`kill -9`) leaves the task it held marked RUNNING for ever: nothing else picks it up.
`stale_running()` finds such tasks and `requeue_stale()` puts them back in the queue;
only do that once the workers that held them are gone (see docs/OPERATIONS_MANUAL.md,
"A stuck queue"), or the task runs twice.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


@dataclass
class QueueReport:
    counts: dict[str, int]
    waiting_by_task: dict[str, int]
    oldest_waiting: datetime | None
    running: list[dict] = field(default_factory=list)
    failed_last_day: dict[str, int] = field(default_factory=dict)

    def as_dict(self, now: datetime) -> dict:
        age = (now - self.oldest_waiting).total_seconds() if self.oldest_waiting else 0
        return {
            "counts": self.counts,
            "waiting_by_task": self.waiting_by_task,
            "oldest_waiting_seconds": round(age, 1),
            "running": self.running,
            "failed_last_24h_by_task": self.failed_last_day,
        }


def report(now: datetime | None = None) -> QueueReport:
    now = now or timezone.now()
    tasks = DBTaskResult.objects.all()
    counts = {status.value: 0 for status in TaskResultStatus}
    for row in tasks.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    ready = DBTaskResult.objects.ready()
    waiting = {
        row["task_path"]: row["n"]
        for row in ready.values("task_path").annotate(n=Count("id")).order_by("-n", "task_path")
    }
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    running = [
        {
            "id": str(row["id"]),
            "task": row["task_path"],
            "started_at": row["started_at"].isoformat() if row["started_at"] else None,
            "running_seconds": (
                round((now - row["started_at"]).total_seconds(), 1) if row["started_at"] else None
            ),
            "worker": (row["worker_ids"] or [None])[-1],
        }
        for row in DBTaskResult.objects.running()
        .order_by("started_at")
        .values("id", "task_path", "started_at", "worker_ids")[:50]
    ]
    failed = {
        row["task_path"]: row["n"]
        for row in DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - timedelta(days=1))
        .values("task_path")
        .annotate(n=Count("id"))
        .order_by("-n", "task_path")
    }
    return QueueReport(counts, waiting, oldest, running, failed)


def stale_running(older_than: timedelta, now: datetime | None = None):
    """RUNNING tasks started more than `older_than` ago."""
    now = now or timezone.now()
    return DBTaskResult.objects.running().filter(started_at__lt=now - older_than)


def requeue_stale(older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Put RUNNING tasks started more than `older_than` ago back in the queue; their ids."""
    with transaction.atomic():
        stale = list(
            stale_running(older_than, now).select_for_update().values_list("id", flat=True)
        )
        DBTaskResult.objects.filter(id__in=stale).update(
            status=TaskResultStatus.READY, started_at=None
        )
    return [str(task_id) for task_id in stale]
