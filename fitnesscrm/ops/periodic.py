"""Periodic jobs: a task enqueued every so often by `fitnesscrm scheduler`.

The jobs are declared in one place, fitnesscrm/periodic.py. The scheduler only
enqueues; `fitnesscrm worker` runs the tasks, so a slow job never delays the others
and a failed one is recorded like any task.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from fitnesscrm.ops.models import PeriodicJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str  # dotted path of a django.tasks task taking no arguments
    every: timedelta
    description: str = ""


def declared() -> tuple[Periodic, ...]:
    from fitnesscrm.periodic import PERIODIC_JOBS

    return PERIODIC_JOBS


def jobs_enqueue_due(
    *, jobs: tuple[Periodic, ...] | None = None, now: datetime | None = None
) -> list[str]:
    """Enqueue the task of every job that is due; returns their names.

    A job seen for the first time is due at once. A job whose interval was shortened
    is brought forward to now + the new interval.
    """
    now = now or timezone.now()
    enqueued = []
    for job in declared() if jobs is None else jobs:
        row, created = PeriodicJob.objects.get_or_create(
            name=job.name, defaults={"next_run_at": now}
        )
        if not created and row.next_run_at > now + job.every:
            PeriodicJob.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                next_run_at=now + job.every
            )
        with transaction.atomic():
            claimed = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_enqueued_at=now
            )
            if not claimed:
                continue
            # The task row is written in this transaction (database queue): the claim
            # and the enqueue happen together or not at all.
            result = import_string(job.task).enqueue()
            PeriodicJob.objects.filter(name=job.name).update(last_task_id=str(result.id)[:64])
        logger.info("Enqueued periodic job %s (task %s).", job.name, result.id)
        enqueued.append(job.name)
    return enqueued


def next_due(*, jobs: tuple[Periodic, ...] | None = None) -> datetime | None:
    names = [job.name for job in (declared() if jobs is None else jobs)]
    row = PeriodicJob.objects.filter(name__in=names).order_by("next_run_at").first()
    return row.next_run_at if row else None
