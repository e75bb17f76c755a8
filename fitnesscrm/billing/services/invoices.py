"""Invoices: drafts with their totals, issuing with a gapless number, voiding and writing off.

Totals are computed once, here: each line's amount less its share of any discount,
then its tax, rounded half up per line (fitnesscrm.core.money.split_tax). Numbers
come from DocumentSequence under a row lock, so two invoices issued at the same
moment never share a number and a number is never skipped.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import (
    BillingSettings,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Membership,
    Product,
    PromoCode,
    PromoKind,
    TaxRate,
)
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.money import max_minor, round_half_up, split_tax
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PREFIXES = {INVOICE: "INV", CREDIT_NOTE: "CN"}
MAX_LINES = 50

# Called with the invoice (locked, now paid) inside the paying transaction: other parts
# of billing register here (credits granted, a membership back in good standing).
PAID_HOOKS: list[Callable[[Invoice], None]] = []


@dataclass(frozen=True)
class LineSpec:
    """One line as a caller asks for it; the service computes its tax and totals."""

    description: str
    unit_price_minor: int
    quantity: int = 1
    product: Product | None = None
    tax_rate: TaxRate | None = None
    trainer: object = None
    period_start: date | None = None
    period_end: date | None = None


def _invalid(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, errors=[{"field": field, "message": message}])


def require_money_staff(actor) -> None:
    if not selectors.sees_money(actor):
        raise Forbidden("Only owners, managers and the front desk handle invoices and payments.")


def require_manager(actor) -> None:
    if role_of(actor) not in MANAGEMENT_ROLES:
        raise Forbidden("Only owners and managers can do this.")


def next_number(kind: str, year: int) -> tuple[int, str]:
    """The next number of `kind` in `year`, taken under a row lock; call inside a transaction.

    1. Make sure the year's counter row exists (a concurrent creator may win the
       insert; the unique constraint turns that into a no-op here).
    2. Lock it with SELECT … FOR UPDATE: a second issuer waits for the first to commit.
    3. Raise it by one. If the caller's transaction rolls back, so does the counter,
       so no number is ever skipped.
    """
    try:
        with transaction.atomic():
            DocumentSequence.objects.get_or_create(kind=kind, year=year)
    except IntegrityError:
        pass
    counter = DocumentSequence.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"{PREFIXES[kind]}-{year}-{counter.last:06d}"


def promo_check(
    code: str, *, products: Sequence[Product | None], on: date | None = None
) -> PromoCode:
    """The promo code named `code` if it can be used today on these products; else why not."""
    day = on or timezone.localdate()
    promo = PromoCode.objects.filter(code__iexact=code.strip()).first()
    if promo is None or not promo.is_active:
        raise _invalid("promo_code", "This promo code does not exist.", "promo_unknown")
    if promo.valid_from and day < promo.valid_from:
        raise _invalid("promo_code", "This promo code is not valid yet.", "promo_not_yet")
    if promo.valid_until and day > promo.valid_until:
        raise _invalid("promo_code", "This promo code has expired.", "promo_expired")
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        raise _invalid("promo_code", "This promo code has been used up.", "promo_used_up")
    allowed = set(promo.products.values_list("pk", flat=True))
    if allowed and not any(p is not None and p.pk in allowed for p in products):
        raise _invalid("promo_code", "This promo code is not for these products.", "promo_product")
    return promo


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` in proportion, in whole minor units that add up exactly."""
    base = sum(weights)
    if base == 0 or total == 0:
        return [0] * len(weights)
    shares = [Decimal(total) * w / base for w in weights]
    floors = [int(s) for s in shares]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return floors


def compute_lines(specs: Sequence[LineSpec], promo: PromoCode | None) -> list[InvoiceLine]:
    """Unsaved lines with their discount share, net, tax and total."""
    amounts = [spec.unit_price_minor * spec.quantity for spec in specs]
    discount = [0] * len(specs)
    if promo is not None:
        allowed = set(promo.products.values_list("pk", flat=True))
        eligible = [
            amount if not allowed or (spec.product and spec.product.pk in allowed) else 0
            for spec, amount in zip(specs, amounts, strict=True)
        ]
        base = sum(eligible)
        if promo.kind == PromoKind.PERCENT:
            off = round_half_up(Decimal(base) * promo.value / 100)
        else:
            off = min(promo.value, base)
        discount = _allocate(off, eligible)
    lines = []
    for position, (spec, amount, off) in enumerate(zip(specs, amounts, discount, strict=True)):
        rate = spec.tax_rate
        split = split_tax(
            amount - off,
            rate.percent if rate else Decimal(0),
            inclusive=rate.inclusive if rate else True,
        )
        lines.append(
            InvoiceLine(
                position=position,
                description=spec.description[:200],
                product=spec.product,
                quantity=spec.quantity,
                unit_price_minor=spec.unit_price_minor,
                tax_name=rate.name if rate else "",
                tax_percent=rate.percent if rate else Decimal(0),
                tax_inclusive=rate.inclusive if rate else True,
                discount_minor=off,
                net_minor=split.net,
                tax_minor=split.tax,
                total_minor=split.gross,
                trainer=spec.trainer,
                period_start=spec.period_start,
                period_end=spec.period_end,
            )
        )
    return lines


def _check_specs(specs: Sequence[LineSpec], currency: str) -> None:
    if not specs:
        raise _invalid("lines", "An invoice needs at least one line.")
    if len(specs) > MAX_LINES:
        raise _invalid("lines", f"An invoice has at most {MAX_LINES} lines.")
    for i, spec in enumerate(specs):
        if not spec.description.strip():
            raise _invalid(f"lines.{i}.description", "Describe what the line is for.")
        if spec.quantity < 1 or spec.quantity > 1000:
            raise _invalid(f"lines.{i}.quantity", "The quantity is between 1 and 1000.")
        if spec.unit_price_minor < 0 or spec.unit_price_minor * spec.quantity > max_minor(currency):
            raise _invalid(f"lines.{i}.unit_price", "The price is out of range.")
        if spec.product is not None and spec.product.currency != currency:
            raise _invalid(f"lines.{i}.product", "The product is priced in another currency.")


@transaction.atomic
def invoice_create(
    *,
    actor,
    client,
    lines: Sequence[LineSpec],
    currency: str | None = None,
    promo_code: str = "",
    membership: Membership | None = None,
    notes: str = "",
    issue: bool = False,
) -> Invoice:
    """A draft invoice with its totals (issued at once with `issue=True`).

    `actor=None` is the system (renewals, portal purchases); people need the money roles.
    """
    from fitnesscrm.core.money import default_currency

    if actor is not None:
        require_money_staff(actor)
    currency = (currency or default_currency()).upper()
    if client.archived_at is not None:
        raise _invalid("client", "This client is archived.", "client_archived")
    _check_specs(lines, currency)
    promo = promo_check(promo_code, products=[s.product for s in lines]) if promo_code else None
    computed = compute_lines(lines, promo)
    invoice = Invoice.objects.create(
        client=client,
        currency=currency,
        membership=membership,
        promo_code=promo,
        notes=notes[:2000],
        created_by=actor,
    )
    for line in computed:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(computed)
    _store_totals(invoice, computed)
    audit_record(
        actor=actor,
        actor_label="" if actor else "billing",
        action="invoice.create",
        target=invoice,
        changes={"client": client.pk, "total": invoice.total_minor, "currency": currency},
    )
    if issue:
        invoice = invoice_issue(actor=actor, invoice=invoice)
    return invoice


def _store_totals(invoice: Invoice, lines: Sequence[InvoiceLine]) -> None:
    invoice.subtotal_minor = sum(line.net_minor for line in lines)
    invoice.tax_minor = sum(line.tax_minor for line in lines)
    invoice.discount_minor = sum(line.discount_minor for line in lines)
    invoice.total_minor = sum(line.total_minor for line in lines)
    invoice.save(
        update_fields=["subtotal_minor", "tax_minor", "discount_minor", "total_minor", "updated_at"]
    )


def _locked(invoice: Invoice) -> Invoice:
    try:
        return (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=invoice.pk)
        )
    except Invoice.DoesNotExist as exc:
        raise NotFound("No such invoice.") from exc


@transaction.atomic
def invoice_issue(*, actor, invoice: Invoice) -> Invoice:
    """Give a draft its number and due date; an invoice of zero is paid at once."""
    if actor is not None:
        require_money_staff(actor)
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict("This invoice has already been issued.", code="already_issued")
    if invoice.promo_code_id:
        promo = PromoCode.objects.select_for_update().get(pk=invoice.promo_code_id)
        if promo.max_uses is not None and promo.uses >= promo.max_uses:
            raise _invalid("promo_code", "This promo code has been used up.", "promo_used_up")
        promo.uses += 1
        promo.save(update_fields=["uses"])
    now = timezone.now()
    year = timezone.localtime(now).year
    invoice.sequence, invoice.number = next_number(INVOICE, year)
    invoice.year = year
    invoice.status = InvoiceStatus.OPEN
    invoice.issued_at = now
    invoice.due_on = timezone.localdate() + timedelta(
        days=BillingSettings.load().payment_terms_days
    )
    invoice.save()
    audit_record(
        actor=actor,
        actor_label="" if actor else "billing",
        action="invoice.issue",
        target=invoice,
        changes={"number": invoice.number, "total": invoice.total_minor},
    )
    if invoice.total_minor == 0:
        mark_paid(invoice)
    else:
        from fitnesscrm.billing.tasks import send_invoice_email

        send_invoice_email.enqueue(invoice_id=invoice.pk)
    return invoice


def mark_paid(invoice: Invoice) -> None:
    """The invoice (locked by the caller) is paid: record it and run PAID_HOOKS."""
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()
    invoice.next_attempt_at = None
    invoice.save(update_fields=["status", "paid_at", "next_attempt_at", "updated_at"])
    for hook in PAID_HOOKS:
        hook(invoice)


@transaction.atomic
def invoice_void(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """Void an invoice issued by mistake: only with nothing paid on it (else refund it)."""
    require_manager(actor)
    invoice = _locked(invoice)
    if invoice.status == InvoiceStatus.DRAFT:
        raise ApplicationError("Delete a draft instead of voiding it.", code="draft")
    if invoice.status != InvoiceStatus.OPEN:
        raise Conflict(
            f"A {invoice.get_status_display().lower()} invoice cannot be voided.",
            code="not_open",
        )
    if invoice.amount_paid_minor:
        raise Conflict(
            "Part of this invoice is paid: refund the payment instead of voiding.",
            code="has_payments",
        )
    if not reason.strip():
        raise _invalid("reason", "Say why the invoice is void.")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = timezone.now()
    invoice.next_attempt_at = None
    invoice.save(update_fields=["status", "voided_at", "next_attempt_at", "updated_at"])
    audit_record(actor=actor, action="invoice.void", target=invoice, changes={"reason": reason})
    return invoice


@transaction.atomic
def invoice_write_off(*, actor, invoice: Invoice, reason: str = "") -> Invoice:
    """Give up on an open invoice: uncollectible, no more charge attempts."""
    require_manager(actor)
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.OPEN:
        raise Conflict("Only an open invoice can be written off.", code="not_open")
    invoice.status = InvoiceStatus.UNCOLLECTIBLE
    invoice.next_attempt_at = None
    invoice.save(update_fields=["status", "next_attempt_at", "updated_at"])
    audit_record(
        actor=actor, action="invoice.write_off", target=invoice, changes={"reason": reason}
    )
    return invoice


@transaction.atomic
def invoice_delete_draft(*, actor, invoice: Invoice) -> None:
    require_money_staff(actor)
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict("Only a draft can be deleted; void an issued invoice.", code="issued")
    audit_record(actor=actor, action="invoice.delete_draft", target=invoice)
    invoice.lines.all().delete()
    invoice.delete()
