"""Everything FitnessCRM asks of Stripe, and what it records from Stripe's answers.

Card numbers never reach our servers: clients type them on Stripe's hosted Checkout
page, and we keep only Stripe's ids and the card's brand, last four digits and expiry.
Every call that changes something at Stripe carries an idempotency key made of our
own ids, so a retried request (a network error, a second worker) never charges or
refunds twice. These functions call Stripe over the network: callers run them in
tasks, after their own transaction has committed, never inside one.

Recording is idempotent too: a payment is written once per PaymentIntent (a unique
constraint backs it), a refund once per Stripe refund, whichever of a webhook event,
a charge's own answer or `fitnesscrm billing reconcile` sees it first.
"""

import functools
import hashlib
import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fitnesscrm.billing.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    StripeCustomer,
)
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict

logger = logging.getLogger(__name__)

SUCCEEDED = "succeeded"
FAILED = "failed"
NO_CARD = "no_card"

# What a PaymentIntent's metadata says it is for.
KIND_CHECKOUT = "checkout"
KIND_RENEWAL = "renewal"


class StripeUnavailable(ApplicationError):
    """Stripe could not be reached or answered with an error of its own (not a decline)."""

    def __init__(self, message: str = "Card payments are not available right now.") -> None:
        super().__init__(message, code="stripe_unavailable")


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        # Retries reuse the request's idempotency key, so they are safe.
        max_network_retries=2,
    )


def api() -> stripe.StripeClient:
    if not is_configured():
        raise Conflict("Card payments are not set up.", code="stripe_not_configured")
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def plain(obj) -> dict:
    """A Stripe object (or a dict already) as a plain dict."""
    if obj is None:
        return {}
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return dict(obj)


def _key(*parts) -> str:
    return "-".join(str(part) for part in parts)


def _short_hash(*texts: str) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]


def _when(timestamp) -> datetime:
    return datetime.fromtimestamp(int(timestamp), UTC) if timestamp else timezone.now()


# --- Customers and cards ---------------------------------------------------------------


def customer_for(client_record) -> StripeCustomer:
    """The client's customer at Stripe, created there the first time it is needed."""
    found = StripeCustomer.objects.filter(client=client_record).first()
    if found is not None:
        return found
    params = {"name": str(client_record)[:200], "metadata": {"client_id": str(client_record.pk)}}
    if client_record.email:
        params["email"] = client_record.email
    created = _call(
        api().v1.customers.create,
        params=params,
        # Two requests at once (a double click) get the same customer back.
        idempotency_key=_key("client", client_record.pk, "customer"),
    )
    try:
        with transaction.atomic():
            return StripeCustomer.objects.create(client=client_record, customer_id=created.id)
    except IntegrityError:
        return StripeCustomer.objects.get(client=client_record)


def save_card(*, customer_id: str, payment_method_id: str) -> StripeCustomer | None:
    """Keep `payment_method_id` as the card renewals are charged to; None if not our customer."""
    if not payment_method_id:
        return None
    method = plain(api().v1.payment_methods.retrieve(payment_method_id))
    card = method.get("card") or {}
    with transaction.atomic():
        found = StripeCustomer.objects.select_for_update().filter(customer_id=customer_id).first()
        if found is None:
            logger.warning("stripe card for an unknown customer %s: skipped", customer_id)
            return None
        found.payment_method_id = payment_method_id
        found.card_brand = (card.get("brand") or "")[:20]
        found.card_last4 = (card.get("last4") or "")[:4]
        found.card_exp_month = card.get("exp_month")
        found.card_exp_year = card.get("exp_year")
        found.save()
        audit_record(
            action="stripe.card_saved",
            actor_label="stripe",
            target=found,
            changes={"card": f"{found.card_brand} …{found.card_last4}"},
        )
    return found


# --- Checkout (the client pays or saves a card on Stripe's page) ----------------------------


def checkout_for_invoice(*, invoice: Invoice, success_url: str, cancel_url: str) -> str:
    """The URL of a Stripe Checkout page that pays what is due on this open invoice.

    The card is saved for later (setup_future_usage), so renewals can be charged to it.
    The same invoice, amount and addresses on the same day give the same page back.
    """
    invoice = Invoice.objects.select_related("client").get(pk=invoice.pk)
    due = invoice.amount_due_minor
    if invoice.status != InvoiceStatus.OPEN or due <= 0:
        raise Conflict("Nothing is due on this invoice.", code="not_payable")
    customer = customer_for(invoice.client)
    metadata = {"invoice_id": str(invoice.pk), "kind": KIND_CHECKOUT}
    session = _call(
        api().v1.checkout.sessions.create,
        params={
            "mode": "payment",
            "customer": customer.customer_id,
            "client_reference_id": str(invoice.pk),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": invoice.currency.lower(),
                        "unit_amount": due,
                        "product_data": {"name": f"Invoice {invoice.number}"},
                    },
                }
            ],
            "payment_intent_data": {"setup_future_usage": "off_session", "metadata": metadata},
            "metadata": metadata,
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        idempotency_key=_key(
            "invoice",
            invoice.pk,
            "checkout",
            due,
            timezone.localdate().isoformat(),
            _short_hash(success_url, cancel_url),
        ),
    )
    return session.url


def checkout_for_card(*, client, success_url: str, cancel_url: str) -> str:
    """The URL of a Stripe Checkout page in setup mode: save or replace the client's card."""
    customer = customer_for(client)
    metadata = {"client_id": str(client.pk), "kind": "card"}
    session = _call(
        api().v1.checkout.sessions.create,
        params={
            "mode": "setup",
            "customer": customer.customer_id,
            "payment_method_types": ["card"],
            "client_reference_id": str(client.pk),
            "setup_intent_data": {"metadata": metadata},
            "metadata": metadata,
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        idempotency_key=_key(
            "client",
            client.pk,
            "card",
            timezone.now().strftime("%Y%m%d%H"),
            _short_hash(success_url, cancel_url),
        ),
    )
    return session.url


def _call(method, *, params: dict, idempotency_key: str):
    try:
        return method(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        logger.warning("stripe %s failed: %s", idempotency_key, type(exc).__name__)
        raise StripeUnavailable() from exc


# --- Charging a saved card (renewals and dunning) -------------------------------------------


def charge_off_session(*, invoice: Invoice, now: datetime | None = None) -> str:
    """Charge the client's saved card for what is due on an open invoice, now.

    Returns "succeeded" (the payment is recorded), "failed" (a decline, or Stripe
    unreachable: dunning schedules the next try) or "no_card". A decline counts as one
    failed attempt (fitnesscrm.billing.services.dunning): the client is told, the
    membership is past due. The attempt number is part of the idempotency key, so
    charging again before the attempt is recorded cannot take the money twice.
    `now` is the time the schedule counts from (the dunning job passes its own).
    """
    from fitnesscrm.billing.services import dunning

    invoice = Invoice.objects.select_related("client").get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.PAID:
        return SUCCEEDED
    if invoice.status != InvoiceStatus.OPEN or invoice.amount_due_minor <= 0:
        raise Conflict("Nothing is due on this invoice.", code="not_payable")
    attempt = invoice.failed_attempts + 1
    card = StripeCustomer.objects.filter(client_id=invoice.client_id).first()
    if card is None or not card.payment_method_id:
        return NO_CARD
    try:
        intent = plain(
            api().v1.payment_intents.create(
                params={
                    "amount": invoice.amount_due_minor,
                    "currency": invoice.currency.lower(),
                    "customer": card.customer_id,
                    "payment_method": card.payment_method_id,
                    "off_session": True,
                    "confirm": True,
                    "description": f"Invoice {invoice.number}",
                    "metadata": {
                        "invoice_id": str(invoice.pk),
                        "kind": KIND_RENEWAL,
                        "attempt": str(attempt),
                    },
                },
                options={"idempotency_key": _key("invoice", invoice.pk, "attempt", attempt)},
            )
        )
    except stripe.CardError as exc:
        intent = (exc.json_body or {}).get("error", {}).get("payment_intent") or {}
        message = (exc.user_message or "The card was declined.")[:300]
        dunning.charge_failed(
            invoice_id=invoice.pk,
            attempt=attempt,
            message=message,
            intent_id=intent.get("id", ""),
            now=now,
        )
        return FAILED
    except stripe.StripeError as exc:
        # Unknown outcome: the next try reuses this attempt's key, so Stripe answers with
        # the first charge's result instead of charging again.
        logger.warning("stripe charge of invoice %s: %s", invoice.pk, type(exc).__name__)
        dunning.charge_unreachable(invoice_id=invoice.pk, now=now)
        return FAILED
    if intent.get("status") in ("succeeded", "processing"):
        if intent.get("status") == "succeeded":
            record_payment_intent(intent)
        return SUCCEEDED
    # requires_action (the bank wants the client present) or requires_payment_method.
    dunning.charge_failed(
        invoice_id=invoice.pk,
        attempt=attempt,
        message=_failure_message(intent),
        intent_id=intent.get("id", ""),
        now=now,
    )
    return FAILED


def _failure_message(intent: dict) -> str:
    error = intent.get("last_payment_error") or {}
    if intent.get("status") == "requires_action":
        return "The bank asks the cardholder to confirm this payment."
    return (error.get("message") or "The card was declined.")[:300]


# --- Recording what Stripe says happened ------------------------------------------------------


def retrieve_payment_intent(intent_id: str) -> dict:
    return plain(api().v1.payment_intents.retrieve(intent_id))


def record_payment_intent(intent: dict) -> Payment | None:
    """Record a succeeded PaymentIntent of ours as a payment on its invoice, once.

    Returns the payment (new or already recorded), or None when the intent is not a
    succeeded one of ours or its invoice can no longer take the money (then staff are
    told through the audit log, and the money is refunded by hand from the payment list
    at Stripe).
    """
    intent_id = intent.get("id") or ""
    invoice_id = (intent.get("metadata") or {}).get("invoice_id")
    if not intent_id or not invoice_id or intent.get("status") != "succeeded":
        return None
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client")
            .filter(pk=invoice_id)
            .first()
        )
        if invoice is None:
            logger.warning("stripe payment %s for an unknown invoice: skipped", intent_id)
            return None
        # The invoice lock orders concurrent recorders: the second one finds the first's row.
        existing = Payment.objects.filter(stripe_payment_intent=intent_id).first()
        if existing is not None:
            return existing
        problem = ""
        if invoice.status != InvoiceStatus.OPEN:
            problem = f"the invoice is {invoice.status}"
        elif amount <= 0 or amount > invoice.amount_due_minor:
            problem = "the amount is more than is due"
        elif (intent.get("currency") or "").upper() != invoice.currency:
            problem = "the currency differs"
        if problem:
            audit_record(
                action="stripe.payment_unapplied",
                actor_label="stripe",
                target=invoice,
                changes={"payment_intent": intent_id, "amount": amount, "why": problem},
            )
            logger.warning("stripe payment %s not applied: %s", intent_id, problem)
            return None
        payment = Payment.objects.create(
            invoice=invoice,
            client=invoice.client,
            method=PaymentMethod.STRIPE,
            status=PaymentStatus.SUCCEEDED,
            amount_minor=amount,
            currency=invoice.currency,
            reference=intent_id[:100],
            received_at=_when(intent.get("created")),
            stripe_payment_intent=intent_id,
            stripe_charge=intent.get("latest_charge") or "",
        )
        from fitnesscrm.billing.services import apply_payment

        invoice.stripe_payment_intent = intent_id
        invoice.save(update_fields=["stripe_payment_intent", "updated_at"])
        apply_payment(invoice, payment)
        audit_record(
            action="payment.stripe",
            actor_label="stripe",
            target=payment,
            changes={"invoice": invoice.pk, "amount": amount, "payment_intent": intent_id},
        )
    return payment


def _refund_status(stripe_status: str) -> str:
    if stripe_status == "succeeded":
        return RefundStatus.SUCCEEDED
    if stripe_status in ("failed", "canceled"):
        return RefundStatus.FAILED
    return RefundStatus.PENDING


def record_refund(refund: dict) -> Refund | None:
    """Bring our refund in line with Stripe's: status, id, or a new one made at Stripe.

    A refund we asked for carries our id in its metadata; one made in Stripe's
    dashboard does not, and gets its credit note here, once. A refund that failed
    gives the amount back to the payment (it may be refunded again); its credit note
    stays, as issued documents do, and staff see the failure in the audit log.
    """
    from fitnesscrm.billing.services.invoices import _locked
    from fitnesscrm.billing.services.payments import credit_note_issue

    refund_id = refund.get("id") or ""
    intent_id = refund.get("payment_intent") or ""
    status = _refund_status(refund.get("status") or "")
    amount = int(refund.get("amount") or 0)
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(stripe_payment_intent=intent_id)
            .exclude(stripe_payment_intent="")
            .first()
        )
        if payment is None or not refund_id:
            logger.warning("stripe refund %s of an unknown payment: skipped", refund_id)
            return None
        invoice = _locked(payment.invoice)
        ours = Refund.objects.select_for_update().filter(stripe_refund=refund_id).first()
        if ours is None:
            own_id = (refund.get("metadata") or {}).get("refund_id")
            if own_id:
                ours = (
                    Refund.objects.select_for_update()
                    .filter(pk=own_id, payment=payment, stripe_refund="")
                    .first()
                )
        if ours is None:
            if status == RefundStatus.FAILED or amount <= 0:
                return None
            if amount > payment.refundable_minor:
                audit_record(
                    action="stripe.refund_unapplied",
                    actor_label="stripe",
                    target=payment,
                    changes={"refund": refund_id, "amount": amount},
                )
                return None
            reason = "Refunded at Stripe"
            note = credit_note_issue(
                actor=None, invoice=invoice, amount_minor=amount, reason=reason
            )
            ours = Refund.objects.create(
                payment=payment,
                credit_note=note,
                amount_minor=amount,
                currency=payment.currency,
                status=status,
                via_stripe=True,
                stripe_refund=refund_id,
                reason=reason,
            )
            payment.refunded_minor += amount
            payment.save(update_fields=["refunded_minor"])
            audit_record(
                action="refund.stripe",
                actor_label="stripe",
                target=ours,
                changes={"payment": payment.pk, "amount": amount, "refund": refund_id},
            )
            return ours
        changed = []
        if not ours.stripe_refund:
            ours.stripe_refund = refund_id
            changed.append("stripe_refund")
        # A failed refund stays failed; a later "pending" (an older event) changes nothing.
        if ours.status != status and ours.status != RefundStatus.FAILED:
            if status == RefundStatus.FAILED:
                _fail(ours, payment)
                changed.append("status")
            elif status == RefundStatus.SUCCEEDED:
                ours.status = status
                changed.append("status")
        if changed:
            ours.save(update_fields=changed)
    return ours


def _fail(refund: Refund, payment: Payment) -> None:
    """The money did not go back: the payment may be refunded again (both rows locked)."""
    payment.refunded_minor = max(payment.refunded_minor - refund.amount_minor, 0)
    payment.save(update_fields=["refunded_minor"])
    refund.status = RefundStatus.FAILED
    audit_record(
        action="refund.failed",
        actor_label="stripe",
        target=refund,
        changes={"payment": payment.pk, "amount": refund.amount_minor},
    )


def refund_refused(*, refund_id: int, why: str) -> None:
    """Stripe refused to make a pending refund of ours: it failed."""
    with transaction.atomic():
        refund = Refund.objects.filter(pk=refund_id).first()
        if refund is None:
            return
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status != RefundStatus.PENDING:
            return
        _fail(refund, payment)
        refund.save(update_fields=["status"])
        audit_record(
            action="refund.stripe_refused",
            actor_label="stripe",
            target=refund,
            changes={"why": why},
        )
