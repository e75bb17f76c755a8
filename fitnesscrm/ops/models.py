from django.db import models


class PeriodicJob(models.Model):
    """When a periodic job (fitnesscrm/periodic.py) is next due, and when it last ran.

    One row per declared job. The scheduler claims a due job by moving `next_run_at`
    forward with a conditional UPDATE and enqueues its task in the same transaction:
    two schedulers (a deploy overlapping the old one) never enqueue the same run twice,
    and a restart does not run every job again.
    """

    name = models.CharField("name", max_length=100, unique=True)
    next_run_at = models.DateTimeField("next run")
    last_enqueued_at = models.DateTimeField("last enqueued", null=True, blank=True)
    last_task_id = models.CharField("last task id", max_length=64, blank=True)

    class Meta:
        verbose_name = "periodic job"
        verbose_name_plural = "periodic jobs"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
