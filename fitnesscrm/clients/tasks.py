"""Background work of clients: the portal invitation email."""

from django.tasks import task

from fitnesscrm.clients import services


@task(queue_name="email")
def send_client_invitation(*, client_id: int, domain: str, use_https: bool) -> None:
    """Send the invitation; only the client's id waits in the queue, never the link itself."""
    services.client_invitation_email_send(client_id=client_id, domain=domain, use_https=use_https)
