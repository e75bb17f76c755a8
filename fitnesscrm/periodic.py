"""Every periodic job of FitnessCRM, in one place. `fitnesscrm scheduler` enqueues them.

Each job names a task that takes no arguments; the worker runs it. Intervals count
from the last run, whenever the scheduler (re)started.
"""

from datetime import timedelta

from fitnesscrm.ops.periodic import Periodic

PERIODIC_JOBS: tuple[Periodic, ...] = (
    Periodic(
        "clients.imports_cleanup",
        "fitnesscrm.clients.import_tasks.cleanup_imports",
        every=timedelta(hours=1),
        description="Mark interrupted client imports failed; delete old imports' files and rows.",
    ),
    Periodic(
        "ops.sessions_clear_expired",
        "fitnesscrm.ops.tasks.sessions_clear_expired",
        every=timedelta(hours=6),
        description="Delete expired sign-in sessions.",
    ),
    Periodic(
        "ops.task_results_prune",
        "fitnesscrm.ops.tasks.task_results_prune",
        every=timedelta(days=1),
        description="Delete the records of background tasks finished long ago.",
    ),
    Periodic(
        "scheduling.reminders_send",
        "fitnesscrm.scheduling.tasks.send_due_reminders",
        every=timedelta(minutes=1),
        description="Send the session reminders that are due (each claimed by one worker).",
    ),
    Periodic(
        "scheduling.sessions_complete",
        "fitnesscrm.scheduling.tasks.sessions_complete",
        every=timedelta(minutes=15),
        description="Mark the sessions that have ended as completed.",
    ),
    Periodic(
        "api.idempotency_keys_prune",
        "fitnesscrm.core.tasks.idempotency_keys_prune",
        every=timedelta(hours=1),
        description="Delete the API's Idempotency-Keys older than 24 hours.",
    ),
    Periodic(
        "billing.dunning_retry",
        "fitnesscrm.billing.tasks.dunning_retry_due",
        every=timedelta(minutes=15),
        description="Charge again the failed renewal payments whose retry day has come.",
    ),
    Periodic(
        "billing.memberships_renew",
        "fitnesscrm.billing.tasks.memberships_renew",
        every=timedelta(hours=1),
        description="Invoice the membership periods that have come due (each exactly once).",
    ),
    Periodic(
        "billing.memberships_expire",
        "fitnesscrm.billing.tasks.memberships_expire",
        every=timedelta(days=1),
        description="End cancelled memberships after their last day; mark paused ones.",
    ),
    Periodic(
        "progress.goals_check",
        "fitnesscrm.progress.tasks.goals_check_daily",
        every=timedelta(days=1),
        description="Mark goals reached by new lifts or workouts achieved, overdue ones missed.",
    ),
    Periodic(
        "privacy.retention",
        "fitnesscrm.privacy.tasks.privacy_retention",
        every=timedelta(days=1),
        description="Erase inactive leads, delete old audit entries and expired data exports.",
    ),
)
