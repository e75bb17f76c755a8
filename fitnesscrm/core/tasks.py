"""Shared background work: sending email after the request that asked for it."""

from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task(queue_name="email")
def send_email(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    """Send one already-rendered email; raising lets the worker record the failure."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@task()
def idempotency_keys_prune() -> int:
    """Hourly (fitnesscrm/periodic.py): forget the API's Idempotency-Keys older than 24 hours."""
    from fitnesscrm.core import idempotency

    return idempotency.prune()
