"""Background work of billing: invoice emails."""

from django.tasks import task


@task(queue_name="email")
def send_invoice_email(*, invoice_id: int) -> None:
    """Email an issued invoice to its client, with the PDF attached."""
    from fitnesscrm.billing import documents

    documents.invoice_email_send(invoice_id=invoice_id)


# --- Stripe and dunning ---------------------------------------------------------------------


@task()
def process_stripe_event(*, event_row_id: int) -> str:
    """Do what a stored Stripe webhook event asks (fitnesscrm/billing/stripe_events.py)."""
    from fitnesscrm.billing import stripe_events

    return stripe_events.event_process(event_row_id=event_row_id)


@task()
def send_stripe_refund(*, refund_id: int) -> str:
    """Ask Stripe for a refund written as pending (its id is the idempotency key)."""
    from fitnesscrm.billing.services import stripe_refunds

    return stripe_refunds.stripe_refund_send(refund_id=refund_id)


@task()
def dunning_retry_due() -> dict:
    """Every 15 minutes (fitnesscrm/periodic.py): charge again the failed renewals now due."""
    from fitnesscrm.billing.services import dunning

    return dunning.retry_due().as_dict()


@task()
def dunning_charge_now(*, invoice_id: int) -> str:
    """A retry staff asked for: charge the saved card once more."""
    from fitnesscrm.billing.services import dunning

    return dunning.retry_invoice(invoice_id)


@task(queue_name="email")
def send_dunning_email(*, invoice_id: int, attempt: int) -> None:
    """Tell the client a charge failed, with links to pay the invoice or update the card."""
    from fitnesscrm.billing.services import dunning

    dunning.dunning_email_send(invoice_id=invoice_id, attempt=attempt)


@task(queue_name="email")
def send_dunning_exhausted_email(*, invoice_id: int) -> None:
    """Tell the owners that the last automatic retry of an invoice failed."""
    from fitnesscrm.billing.services import dunning

    dunning.dunning_exhausted_email_send(invoice_id=invoice_id)


# --- Memberships and credits ---------------------------------------------------------------------


@task()
def memberships_renew() -> int:
    """Hourly (fitnesscrm/periodic.py): invoice every membership period that has come due."""
    from fitnesscrm.billing.services.memberships import memberships_renew as renew

    return renew()


@task()
def memberships_expire() -> int:
    """Daily (fitnesscrm/periodic.py): end cancelled memberships after their last day."""
    from fitnesscrm.billing.services.memberships import memberships_expire as expire

    return expire()


@task()
def membership_renewal_charge(*, invoice_id: int) -> str:
    """Charge the saved card for a renewal invoice; a failure is handled by the Stripe code."""
    from fitnesscrm.billing import stripe_gateway
    from fitnesscrm.billing.models import Invoice, InvoiceStatus

    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.OPEN or not invoice.amount_due_minor:
        return "nothing_due"
    if not stripe_gateway.is_configured():
        return "not_configured"
    return stripe_gateway.charge_off_session(invoice=invoice)


@task(queue_name="email")
def send_waitlist_passed_over_email(*, booking_id: int) -> bool:
    """Tell a waitlisted client a place came up but went on: they had no membership or credit."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.utils import timezone

    from fitnesscrm.scheduling.models import Booking, BookingStatus

    booking = Booking.objects.select_related("client", "session").filter(pk=booking_id).first()
    if booking is None or booking.status != BookingStatus.WAITLISTED:
        return False
    client = booking.client
    if not client.email or client.archived_at is not None:
        return False
    when = timezone.localtime(booking.session.starts_at).strftime("%a %d %b %Y at %H:%M")
    title = booking.session.title
    body = (
        f"Hello {client.first_name},\n\n"
        f"A place came up in {title} on {when}, but it is a class for members or with a "
        "class credit, and you have neither at the moment, so the place went to the next "
        "person on the waitlist.\n\n"
        "You keep your place on the waitlist: buy a pack or a membership and the next free "
        "place can be yours.\n\n"
        f"{settings.SITE_NAME}\n"
    )
    EmailMessage(subject=f"A place came up: {title} on {when}", body=body, to=[client.email]).send()
    return True
