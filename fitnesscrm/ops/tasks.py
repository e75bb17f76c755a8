"""Housekeeping run by the scheduler (fitnesscrm/periodic.py)."""

from importlib import import_module

from django.conf import settings
from django.core.management import call_command
from django.tasks import task

# Finished tasks are kept for a while so that operators can see what ran and why one
# failed; failures longer.
TASK_RESULTS_KEEP_DAYS = 14
FAILED_TASK_RESULTS_KEEP_DAYS = 60


@task()
def sessions_clear_expired() -> None:
    """Delete expired sessions (the database keeps them until someone does)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@task()
def task_results_prune() -> None:
    """Delete the rows of tasks that finished long ago."""
    call_command(
        "prune_db_task_results",
        queue_name="*",
        min_age_days=TASK_RESULTS_KEEP_DAYS,
        failed_min_age_days=FAILED_TASK_RESULTS_KEEP_DAYS,
        verbosity=0,
    )
