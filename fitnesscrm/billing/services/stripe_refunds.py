"""Refunds of card payments taken through Stripe: the money goes back to the card.

The refund and its credit note are written at once, as pending, and the payment's
refundable amount goes down in the same transaction, so two managers cannot refund
the same money. The request to Stripe runs in a task after the commit, with the
refund's id as its idempotency key; Stripe's answer and the refund.* webhook events
move it to succeeded or failed (a failed refund gives the amount back to the payment).
"""

from django.db import transaction

from fitnesscrm.billing.models import Payment, PaymentMethod, Refund, RefundStatus
from fitnesscrm.billing.services.invoices import require_manager
from fitnesscrm.billing.services.payments import refund_write
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
    refund = refund_write(
        actor=actor, payment=payment, amount_minor=amount_minor, reason=reason, via_stripe=True
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
