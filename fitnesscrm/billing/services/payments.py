"""Payments recorded by staff (cash, card terminal, bank transfer, cheque), and refunds.

A payment can be partial; the invoice is paid when its payments cover the total.
A refund never exceeds what is left of its payment, and every refund comes with a
credit note, numbered like invoices. The invoice row is locked before its money
changes, so two people recording at once cannot double-count.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fitnesscrm.billing.models import (
    MANUAL_METHODS,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from fitnesscrm.billing.services.invoices import (
    CREDIT_NOTE,
    _invalid,
    _locked,
    mark_paid,
    next_number,
    require_manager,
    require_money_staff,
)
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import Conflict
from fitnesscrm.core.money import format_money, round_half_up


def _require_payable(invoice: Invoice, amount_minor: int) -> None:
    if invoice.status == InvoiceStatus.DRAFT:
        raise Conflict("Issue the invoice before taking payment for it.", code="draft")
    if invoice.status != InvoiceStatus.OPEN:
        raise Conflict(
            f"This invoice is {invoice.get_status_display().lower()}: it takes no payment.",
            code="not_open",
        )
    if amount_minor <= 0:
        raise _invalid("amount", "The amount must be more than zero.", "invalid_amount")
    due = invoice.amount_due_minor
    if amount_minor > due:
        raise _invalid(
            "amount",
            f"Only {format_money(due, invoice.currency)} is due on this invoice.",
            "overpayment",
        )


def apply_payment(invoice: Invoice, payment: Payment) -> None:
    """Add a succeeded payment to its (locked) invoice; paid in full runs the paid hooks."""
    invoice.amount_paid_minor += payment.amount_minor
    invoice.save(update_fields=["amount_paid_minor", "updated_at"])
    if invoice.amount_due_minor == 0:
        mark_paid(invoice)


@transaction.atomic
def payment_record(
    *,
    actor,
    invoice: Invoice,
    amount_minor: int,
    method: str,
    reference: str = "",
    received_at: datetime | None = None,
) -> Payment:
    """Record money received by hand against an open invoice (partial payments allowed)."""
    require_money_staff(actor)
    if method not in MANUAL_METHODS:
        raise _invalid("method", "Choose cash, card terminal, bank transfer or cheque.")
    invoice = _locked(invoice)
    _require_payable(invoice, amount_minor)
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        raise _invalid("received_at", "A payment cannot be received in the future.")
    payment = Payment.objects.create(
        invoice=invoice,
        client=invoice.client,
        method=method,
        status=PaymentStatus.SUCCEEDED,
        amount_minor=amount_minor,
        currency=invoice.currency,
        reference=reference[:100],
        received_at=received_at,
        recorded_by=actor,
    )
    apply_payment(invoice, payment)
    audit_record(
        actor=actor,
        action="payment.record",
        target=payment,
        changes={"invoice": invoice.pk, "amount": amount_minor, "method": method},
    )
    return payment


def credit_note_issue(*, actor, invoice: Invoice, amount_minor: int, reason: str) -> CreditNote:
    """A credit note of `amount_minor` (tax included) against `invoice`, which the caller locked.

    The tax share is the invoice's own proportion, so the credit note's tax is what
    the refunded part carried.
    """
    tax = (
        round_half_up(Decimal(invoice.tax_minor) * amount_minor / invoice.total_minor)
        if invoice.total_minor
        else 0
    )
    year = timezone.localdate().year
    sequence, number = next_number(CREDIT_NOTE, year)
    note = CreditNote.objects.create(
        invoice=invoice,
        number=number,
        year=year,
        sequence=sequence,
        amount_minor=amount_minor,
        tax_minor=min(tax, amount_minor),
        currency=invoice.currency,
        reason=reason[:200],
        issued_at=timezone.now(),
        created_by=actor,
    )
    invoice.amount_credited_minor += amount_minor
    invoice.save(update_fields=["amount_credited_minor", "updated_at"])
    audit_record(
        actor=actor,
        action="credit_note.issue",
        target=note,
        changes={"invoice": invoice.pk, "amount": amount_minor},
    )
    return note


@transaction.atomic
def refund_record(*, actor, payment: Payment, amount_minor: int, reason: str) -> Refund:
    """Money paid back by hand (cash, transfer): a refund and its credit note.

    Card payments taken through Stripe are refunded through Stripe instead
    (fitnesscrm.billing.services.stripe_refunds), so the card is really credited.
    """
    require_manager(actor)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.method == PaymentMethod.STRIPE:
        raise Conflict("Refund card payments through Stripe.", code="refund_via_stripe")
    return refund_write(actor=actor, payment=payment, amount_minor=amount_minor, reason=reason)


def refund_write(
    *, actor, payment: Payment, amount_minor: int, reason: str, via_stripe: bool = False
) -> Refund:
    """A refund and its credit note against a payment the caller locked, its rules checked.

    Paid back by hand, it has succeeded; through Stripe it is pending until Stripe
    answers. Either way the payment's refundable amount goes down now, so two people
    cannot refund the same money.
    """
    invoice = _locked(payment.invoice)
    check_refundable(payment, amount_minor, reason)
    note = credit_note_issue(actor=actor, invoice=invoice, amount_minor=amount_minor, reason=reason)
    refund = Refund.objects.create(
        payment=payment,
        credit_note=note,
        amount_minor=amount_minor,
        currency=payment.currency,
        status=RefundStatus.PENDING if via_stripe else RefundStatus.SUCCEEDED,
        via_stripe=via_stripe,
        reason=reason[:200],
        created_by=actor,
    )
    payment.refunded_minor += amount_minor
    payment.save(update_fields=["refunded_minor"])
    audit_record(
        actor=actor,
        action="refund.stripe_request" if via_stripe else "refund.record",
        target=refund,
        changes={"payment": payment.pk, "amount": amount_minor},
    )
    return refund


def check_refundable(payment: Payment, amount_minor: int, reason: str) -> None:
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Conflict("Only a payment that went through can be refunded.", code="not_succeeded")
    if amount_minor <= 0:
        raise _invalid("amount", "The amount must be more than zero.", "invalid_amount")
    if amount_minor > payment.refundable_minor:
        raise _invalid(
            "amount",
            f"At most {format_money(payment.refundable_minor, payment.currency)} "
            "of this payment can be refunded.",
            "over_refund",
        )
    if not reason.strip():
        raise _invalid("reason", "Say why the money is refunded.")
