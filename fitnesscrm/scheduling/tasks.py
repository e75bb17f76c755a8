"""Background work of scheduling: booking emails."""

from django.tasks import task

from fitnesscrm.scheduling import emails


@task(queue_name="email")
def send_booking_email(*, booking_id: int, event: str) -> None:
    emails.booking_email_send(booking_id=booking_id, event=event)
