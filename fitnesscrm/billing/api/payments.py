"""/api/v1/payments and /api/v1/refunds: money in by hand, money back, and what happened to it."""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema

from fitnesscrm.billing import selectors, services
from fitnesscrm.billing.api.common import (
    IDEMPOTENCY_HEADER,
    Amount,
    Money,
    PaymentOut,
    amount_in,
    money,
    payment_out,
)
from fitnesscrm.billing.models import MANUAL_METHODS, PaymentMethod, Refund
from fitnesscrm.core.api_helpers import PageParams, missing, page, text
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.idempotency import idempotent

router = Router(tags=["payments"])


class PaymentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PaymentOut]


class PaymentIn(Schema):
    invoice_id: int
    amount: Amount = Field(description="In major units, e.g. 12.50; part of what is due is fine.")
    method: Literal[tuple(MANUAL_METHODS)]  # type: ignore[valid-type]
    reference: text(100) = ""
    received_at: datetime | None = Field(None, description="Defaults to now.")


class PaymentFilters(PageParams):
    invoice: int | None = None
    client: int | None = None


def _payments(user) -> QuerySet:
    return selectors.visible_payments(user).select_related("invoice", "client")


@router.get("/payments", response=PaymentPage, summary="Payments the caller may see")
def payment_list(request, filters: Query[PaymentFilters]):
    """Newest first. Owners, managers and the front desk see all; a client their own."""
    payments = _payments(request.auth)
    if filters.invoice is not None:
        payments = payments.filter(invoice_id=filters.invoice)
    if filters.client is not None:
        payments = payments.filter(client_id=filters.client)
    payments = payments.order_by("-received_at", "-id")
    return page(payments, filters, lambda rows: [payment_out(p) for p in rows])


@router.post("/payments", response={201: PaymentOut}, summary="Record a payment taken by hand")
def payment_create(request, payload: PaymentIn, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """Cash, card terminal, bank transfer or cheque, against an open invoice; partial
    payments are fine, more than is due is refused. Owners, managers and the front
    desk. Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoices.require_money_staff(user)
        try:
            invoice = selectors.invoice_get(user=user, invoice_id=payload.invoice_id)
        except NotFound as exc:
            raise missing("invoice_id", "No such invoice.") from exc
        payment = services.payment_record(
            actor=user,
            invoice=invoice,
            amount_minor=amount_in(payload.amount, invoice.currency),
            method=payload.method,
            reference=payload.reference,
            received_at=payload.received_at,
        )
        return 201, payment_out(_payments(user).get(pk=payment.pk))

    return idempotent(
        request, scope="payments.create", key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.get("/payments/{payment_id}", response=PaymentOut, summary="One payment")
def payment_get(request, payment_id: int):
    return payment_out(selectors.payment_get(user=request.auth, payment_id=payment_id))


# --- Refunds -----------------------------------------------------------------------------------


class CreditNoteOut(Schema):
    id: int
    number: str
    amount: Money
    tax: Money
    reason: str
    issued_at: datetime


class RefundOut(Schema):
    id: int
    payment_id: int
    invoice_id: int
    amount: Money
    status: str
    via_stripe: bool
    reason: str
    credit_note: CreditNoteOut
    created_at: datetime


class RefundPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RefundOut]


class RefundIn(Schema):
    payment_id: int
    amount: Amount = Field(description="In major units; at most what is left of the payment.")
    reason: text(200, 1)


def refund_out(refund: Refund) -> dict:
    note, c = refund.credit_note, refund.currency
    return {
        "id": refund.pk,
        "payment_id": refund.payment_id,
        "invoice_id": note.invoice_id,
        "amount": money(refund.amount_minor, c),
        "status": refund.status,
        "via_stripe": refund.via_stripe,
        "reason": refund.reason,
        "credit_note": {
            "id": note.pk,
            "number": note.number,
            "amount": money(note.amount_minor, c),
            "tax": money(note.tax_minor, c),
            "reason": note.reason,
            "issued_at": note.issued_at,
        },
        "created_at": refund.created_at,
    }


def _refunds(user) -> QuerySet:
    return selectors.visible_refunds(user).select_related("credit_note")


@router.get("/refunds", response=RefundPage, summary="Refunds the caller may see")
def refund_list(request, filters: Query[PageParams]):
    refunds = _refunds(request.auth).order_by("-created_at", "-id")
    return page(refunds, filters, lambda rows: [refund_out(r) for r in rows])


@router.post("/refunds", response={201: RefundOut}, summary="Refund a payment")
def refund_create(request, payload: RefundIn, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """Owners and managers. A card payment taken through Stripe is refunded to the card
    (status `pending` until Stripe confirms); others are recorded as paid back by hand.
    Each refund comes with a credit note. Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoices.require_manager(user)
        try:
            payment = selectors.payment_get(user=user, payment_id=payload.payment_id)
        except NotFound as exc:
            raise missing("payment_id", "No such payment.") from exc
        amount = amount_in(payload.amount, payment.currency)
        if payment.method == PaymentMethod.STRIPE:
            from fitnesscrm.billing.services import stripe_refunds

            refund = stripe_refunds.refund_via_stripe(
                actor=user, payment=payment, amount_minor=amount, reason=payload.reason
            )
        else:
            refund = services.refund_record(
                actor=user, payment=payment, amount_minor=amount, reason=payload.reason
            )
        return 201, refund_out(_refunds(user).get(pk=refund.pk))

    return idempotent(
        request, scope="refunds.create", key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.get("/refunds/{refund_id}", response=RefundOut, summary="One refund")
def refund_get(request, refund_id: int):
    try:
        return refund_out(_refunds(request.auth).get(pk=refund_id))
    except (Refund.DoesNotExist, ValueError) as exc:
        raise NotFound("No such refund.") from exc
