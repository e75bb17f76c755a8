"""Background work of accounts: the password reset email."""

from django.tasks import task

from fitnesscrm.accounts import services


@task(queue_name="email")
def send_password_reset_email(*, user_id: int, domain: str, use_https: bool) -> None:
    """Send the reset link; only the user's id waits in the queue, never the link itself."""
    services.password_reset_email_send(user_id=user_id, domain=domain, use_https=use_https)
