"""Background work of billing: invoice emails."""

from django.tasks import task


@task(queue_name="email")
def send_invoice_email(*, invoice_id: int) -> None:
    """Email an issued invoice to its client, with the PDF attached."""
    from fitnesscrm.billing import documents

    documents.invoice_email_send(invoice_id=invoice_id)
