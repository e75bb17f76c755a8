"""Background work of accounts: the password reset email and security notices."""

from django.tasks import task

from fitnesscrm.accounts import security_notices, services


@task(queue_name="email")
def send_password_reset_email(*, user_id: int, domain: str, use_https: bool) -> None:
    """Send the reset link; only the user's id waits in the queue, never the link itself."""
    services.password_reset_email_send(user_id=user_id, domain=domain, use_https=use_https)


@task(queue_name="email")
def send_security_notice(*, user_id: int, notice: str, facts: dict) -> None:
    """A sign-in from a new browser, or a change to how the account signs in."""
    security_notices.security_notice_send(user_id=user_id, notice=notice, facts=facts)
