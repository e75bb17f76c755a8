"""Background work of privacy: the daily retention run."""

from django.tasks import task


@task()
def privacy_retention() -> dict:
    """Daily (fitnesscrm/periodic.py): erase stale leads, old audit entries, expired exports."""
    from fitnesscrm.privacy.retention import retention_run

    return retention_run().as_dict()
