"""Background work of progress."""

from django.tasks import task


@task()
def goals_check_daily() -> int:
    """Daily (fitnesscrm/periodic.py): active goals become achieved or missed, milestones
    reached are dated, including progress from workouts logged since the last check."""
    from fitnesscrm.progress.services.goals import check_all_goals

    return check_all_goals()
