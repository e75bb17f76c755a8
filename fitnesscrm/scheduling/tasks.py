"""Background work of scheduling: booking emails and reminders."""

from django.tasks import task

from fitnesscrm.scheduling import emails, reminder_sending


@task(queue_name="email")
def send_booking_email(*, booking_id: int, event: str) -> None:
    emails.booking_email_send(booking_id=booking_id, event=event)


@task(queue_name="email")
def send_due_reminders() -> dict:
    """Every minute (fitnesscrm/periodic.py): the reminders that are due, each sent once."""
    return reminder_sending.reminders_send_due().as_dict()


@task()
def sessions_complete() -> int:
    """Every 15 minutes (fitnesscrm/periodic.py): sessions that have ended become completed."""
    from fitnesscrm.scheduling.services import sessions_complete_ended

    return sessions_complete_ended()
