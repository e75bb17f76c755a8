"""Background work of trainers and staff: the invitation email of a new staff account."""

from django.tasks import task

from fitnesscrm.trainers import services


@task(queue_name="email")
def send_staff_invite_email(*, user_id: int, domain: str, use_https: bool) -> None:
    """Send the set-password link; only the user's id waits in the queue, never the link."""
    services.staff_invite_email_send(user_id=user_id, domain=domain, use_https=use_https)
