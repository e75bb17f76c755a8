"""Refunds of card payments taken through Stripe: the money goes back to the card.

The refund and its credit note are written at once, as pending, and the payment's
refundable amount goes down in the same transaction, so two managers cannot refund
the same money. The request to Stripe runs in a task after the commit, with the
refund's id as its idempotency key; Stripe's answer and the refund.* webhook events
move it to succeeded or failed (a failed refund gives the amount back to the payment).
"""

from django.db import transaction

from fitnesscrm.billing.models import Payment, PaymentMethod, Refund, RefundStatus
from fitnesscrm.billing.services.invoices import _locked, require_manager
from fitnesscrm.billing.services.payments import check_refundable, credit_note_issue
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import Conflict


@transaction.atomic
def refund_via_stripe(*, actor, payment: Payment, amount_minor: int, reason: str) -> Refund:
    """Refund part or all of a Stripe payment to the card it came from (owners and managers)."""
    from fitnesscrm.billing import stripe_gateway

    require_manager(actor)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.method != PaymentMethod.STRIPE or not payment.stripe_payment_intent:
        raise Conflict("Only card payments taken through Stripe are refunded there.", code="manual")
    if not stripe_gateway.is_configured():
        raise Conflict("Card payments are not set up.", code="stripe_not_configured")
    invoice = _locked(payment.invoice)
    check_refundable(payment, amount_minor, reason)
    note = credit_note_issue(actor=actor, invoice=invoice, amount_minor=amount_minor, reason=reason)
    refund = Refund.objects.create(
        payment=payment,
        credit_note=note,
        amount_minor=amount_minor,
        currency=payment.currency,
        status=RefundStatus.PENDING,
        via_stripe=True,
        reason=reason[:200],
        created_by=actor,
    )
    payment.refunded_minor += amount_minor
    payment.save(update_fields=["refunded_minor"])
    audit_record(
        actor=actor,
        action="refund.stripe_request",
        target=refund,
        changes={"payment": payment.pk, "amount": amount_minor},
    )
    from fitnesscrm.billing.tasks import send_stripe_refund

    send_stripe_refund.enqueue(refund_id=refund.pk)
    return refund


def stripe_refund_send(*, refund_id: int) -> str:
    """Ask Stripe for a pending refund (once, whatever the retries); returns its status.

    Called by the task, outside any transaction. A refund Stripe refuses (the charge was
    disputed, already refunded there) is recorded as failed.
    """
    import stripe

    from fitnesscrm.billing import stripe_gateway

    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != RefundStatus.PENDING or refund.stripe_refund:
        return refund.status if refund else "missing"
    try:
        answer = stripe_gateway.api().v1.refunds.create(
            params={
                "payment_intent": refund.payment.stripe_payment_intent,
                "amount": refund.amount_minor,
                "metadata": {"refund_id": str(refund.pk), "payment_id": str(refund.payment_id)},
            },
            options={"idempotency_key": f"refund-{refund.pk}"},
        )
    except stripe.InvalidRequestError as exc:
        stripe_gateway.refund_refused(
            refund_id=refund.pk, why=(exc.user_message or "refused by Stripe")[:200]
        )
        return RefundStatus.FAILED
    recorded = stripe_gateway.record_refund(stripe_gateway.plain(answer))
    return recorded.status if recorded else RefundStatus.PENDING
