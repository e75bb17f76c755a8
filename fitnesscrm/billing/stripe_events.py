"""What each Stripe webhook event does, run by a task after the endpoint stored it.

Events can come late, twice or out of order. Each is stored once (StripeEvent's
unique id), so a repeat does nothing; where order matters the object is read again
from Stripe, so an older event never overwrites a newer state; and every write below
is idempotent (one payment per PaymentIntent, one refund per Stripe refund, one
failure per charge attempt). An event about a customer we do not know is logged and
acknowledged; nothing is written.
"""

import logging

from django.utils import timezone

from fitnesscrm.billing import stripe_gateway
from fitnesscrm.billing.models import StripeCustomer, StripeEvent

logger = logging.getLogger(__name__)


def _known_customer(customer_id: str | None) -> bool:
    return bool(customer_id) and StripeCustomer.objects.filter(customer_id=customer_id).exists()


def _skip_unknown(event_type: str, obj: dict) -> bool:
    if _known_customer(obj.get("customer")):
        return False
    logger.warning("stripe %s %s for an unknown customer: skipped", event_type, obj.get("id"))
    return True


def checkout_completed(obj: dict) -> str:
    if _skip_unknown("checkout.session.completed", obj):
        return "unknown customer"
    if obj.get("mode") == "setup":
        setup_id = obj.get("setup_intent")
        if not setup_id:
            return "no setup intent"
        setup = stripe_gateway.plain(stripe_gateway.api().v1.setup_intents.retrieve(setup_id))
        if setup.get("status") != "succeeded":
            return f"setup {setup.get('status')}"
        stripe_gateway.save_card(
            customer_id=obj["customer"], payment_method_id=setup.get("payment_method") or ""
        )
        return "card saved"
    intent_id = obj.get("payment_intent")
    if obj.get("mode") != "payment" or not intent_id:
        return "not a payment"
    intent = stripe_gateway.retrieve_payment_intent(intent_id)
    payment = stripe_gateway.record_payment_intent(intent)
    if intent.get("status") == "succeeded" and intent.get("payment_method"):
        # Paid with setup_future_usage: this card now pays the renewals.
        stripe_gateway.save_card(
            customer_id=obj["customer"], payment_method_id=intent["payment_method"]
        )
    return "payment recorded" if payment else f"payment {intent.get('status')}"


def payment_intent_changed(obj: dict) -> str:
    """succeeded or payment_failed: act on the intent as it is now, not as the event says."""
    if _skip_unknown("payment_intent", obj):
        return "unknown customer"
    intent = stripe_gateway.retrieve_payment_intent(obj["id"])
    if intent.get("status") == "succeeded":
        return "payment recorded" if stripe_gateway.record_payment_intent(intent) else "ignored"
    metadata = intent.get("metadata") or {}
    if (
        intent.get("status") in ("requires_payment_method", "requires_action", "canceled")
        and metadata.get("kind") == stripe_gateway.KIND_RENEWAL
        and metadata.get("invoice_id")
        and metadata.get("attempt")
    ):
        from fitnesscrm.billing.services import dunning

        recorded = dunning.charge_failed(
            invoice_id=int(metadata["invoice_id"]),
            attempt=int(metadata["attempt"]),
            message=stripe_gateway._failure_message(intent),
            intent_id=intent["id"],
        )
        return "failure recorded" if recorded else "failure already recorded"
    # A client's card declined on the Checkout page: they try again there.
    return f"payment {intent.get('status')}"


def charge_refunded(obj: dict) -> str:
    """A charge was refunded (maybe in Stripe's dashboard): record each of its refunds."""
    if _skip_unknown("charge.refunded", obj):
        return "unknown customer"
    intent_id = obj.get("payment_intent")
    if not intent_id:
        return "no payment intent"
    refunds = stripe_gateway.api().v1.refunds.list(params={"payment_intent": intent_id})
    count = 0
    for refund in refunds.auto_paging_iter():
        if stripe_gateway.record_refund(stripe_gateway.plain(refund)):
            count += 1
    return f"{count} refunds"


def refund_changed(obj: dict) -> str:
    refund = stripe_gateway.plain(stripe_gateway.api().v1.refunds.retrieve(obj["id"]))
    return "refund recorded" if stripe_gateway.record_refund(refund) else "ignored"


HANDLERS = {
    "checkout.session.completed": checkout_completed,
    "payment_intent.succeeded": payment_intent_changed,
    "payment_intent.payment_failed": payment_intent_changed,
    "charge.refunded": charge_refunded,
    "refund.created": refund_changed,
    "refund.updated": refund_changed,
    "refund.failed": refund_changed,
    "charge.refund.updated": refund_changed,
}


def event_process(*, event_row_id: int) -> str:
    """Run the stored event's handler once; a failure is kept on the row for reconcile."""
    row = StripeEvent.objects.filter(pk=event_row_id).first()
    if row is None or row.processed_at is not None:
        return "done"
    handler = HANDLERS.get(row.type)
    obj = (row.payload.get("data") or {}).get("object") or {}
    try:
        outcome = handler(obj) if handler else "not handled"
    except Exception as exc:
        StripeEvent.objects.filter(pk=row.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.exception("stripe event %s failed", row.event_id)
        raise
    StripeEvent.objects.filter(pk=row.pk).update(processed_at=timezone.now(), error="")
    logger.info("stripe event %s %s: %s", row.type, row.event_id, outcome)
    return outcome


# --- Reconcile: what a missed event left behind -------------------------------------------------


def reconcile(*, days: int = 3) -> list[str]:
    """Compare Stripe's recent objects with ours and repair the gaps; returns what was fixed.

    Every step is one of the idempotent recorders above, so running it twice (or while
    webhooks arrive) repairs nothing twice.
    """
    from datetime import timedelta

    from fitnesscrm.billing.models import Invoice, Payment, Refund, RefundStatus
    from fitnesscrm.billing.services import dunning, stripe_refunds

    fixed: list[str] = []
    now = timezone.now()
    since = int((now - timedelta(days=days)).timestamp())
    api = stripe_gateway.api().v1

    # 1. Events stored but never processed (a worker died, Stripe was unreachable).
    stale = StripeEvent.objects.filter(
        processed_at__isnull=True, received_at__lt=now - timedelta(minutes=1)
    ).order_by("created")
    for row in stale:
        try:
            outcome = event_process(event_row_id=row.pk)
        except Exception as exc:  # reported; the next run tries again
            fixed.append(f"event {row.event_id} ({row.type}) still fails: {type(exc).__name__}")
        else:
            fixed.append(f"event {row.event_id} ({row.type}) processed: {outcome}")

    # 2. Payments: succeeded intents with no payment, failed renewals not yet counted.
    intents = api.payment_intents.list(params={"created": {"gte": since}, "limit": 100})
    for item in intents.auto_paging_iter():
        intent = stripe_gateway.plain(item)
        metadata = intent.get("metadata") or {}
        if not metadata.get("invoice_id"):
            continue
        if intent.get("status") == "succeeded":
            if Payment.objects.filter(stripe_payment_intent=intent["id"]).exists():
                continue
            payment = stripe_gateway.record_payment_intent(intent)
            if payment is not None:
                fixed.append(
                    f"payment {intent['id']} recorded on invoice {payment.invoice.number}"
                    + (" (now paid)" if payment.invoice.status == "paid" else "")
                )
        elif (
            metadata.get("kind") == stripe_gateway.KIND_RENEWAL
            and metadata.get("attempt")
            and dunning.charge_failed(
                invoice_id=int(metadata["invoice_id"]),
                attempt=int(metadata["attempt"]),
                message=stripe_gateway._failure_message(intent),
                intent_id=intent["id"],
            )
        ):
            number = Invoice.objects.get(pk=metadata["invoice_id"]).number
            fixed.append(f"failed charge {intent['id']} recorded on invoice {number}")

    # 3. Cards saved on Checkout pages whose event was missed.
    sessions = api.checkout.sessions.list(params={"created": {"gte": since}, "limit": 100})
    latest: dict[str, dict] = {}
    for item in sessions.auto_paging_iter():
        session = stripe_gateway.plain(item)
        if session.get("mode") == "setup" and session.get("status") == "complete":
            customer = session.get("customer") or ""
            if customer not in latest or session["created"] > latest[customer]["created"]:
                latest[customer] = session
    for customer_id, session in latest.items():
        saved = StripeCustomer.objects.filter(customer_id=customer_id).first()
        if saved is None or saved.updated_at.timestamp() >= session["created"]:
            continue
        setup = stripe_gateway.plain(api.setup_intents.retrieve(session["setup_intent"]))
        method = setup.get("payment_method") or ""
        if setup.get("status") == "succeeded" and method and method != saved.payment_method_id:
            stripe_gateway.save_card(customer_id=customer_id, payment_method_id=method)
            fixed.append(f"card of customer {customer_id} saved")

    # 4. Refunds: made in Stripe's dashboard, or whose final status we never heard.
    refunds = api.refunds.list(params={"created": {"gte": since}, "limit": 100})
    for item in refunds.auto_paging_iter():
        refund = stripe_gateway.plain(item)
        before = Refund.objects.filter(stripe_refund=refund["id"]).values_list("status", flat=True)
        before = before.first()
        ours = stripe_gateway.record_refund(refund)
        if ours is not None and ours.status != before:
            fixed.append(f"refund {refund['id']} recorded as {ours.status}")

    # 5. Our refunds never sent to Stripe (their task was lost): send them, same key.
    for refund_id in Refund.objects.filter(
        via_stripe=True, status=RefundStatus.PENDING, stripe_refund=""
    ).values_list("pk", flat=True):
        status = stripe_refunds.stripe_refund_send(refund_id=refund_id)
        fixed.append(f"refund #{refund_id} sent to Stripe: {status}")
    return fixed
