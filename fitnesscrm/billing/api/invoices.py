"""/api/v1/invoices: list, create (drafts or issued), read, issue, void, and the PDF."""

from datetime import date, datetime
from typing import Literal

from django.db.models import Prefetch, QuerySet
from ninja import Field, Query, Router, Schema

from fitnesscrm.billing import selectors, services
from fitnesscrm.billing.api.common import (
    IDEMPOTENCY_HEADER,
    Amount,
    ClientRef,
    Money,
    amount_in,
    money,
)
from fitnesscrm.billing.models import Invoice, InvoiceLine, InvoiceStatus, Product, TaxRate
from fitnesscrm.clients.selectors import client_get
from fitnesscrm.core.api_helpers import PageParams, fields_renamed, missing, page, text
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.idempotency import idempotent
from fitnesscrm.core.money import default_currency

router = Router(tags=["invoices"])


class LineIn(Schema):
    description: text(200) = ""
    product_id: int | None = Field(None, description="Price, tax and description from a product.")
    quantity: int = Field(1, ge=1, le=1000)
    unit_price: Amount | None = Field(
        None, description="In major units; defaults to the product's price."
    )
    tax_rate_id: int | None = Field(None, description="Defaults to the product's tax rate.")


class InvoiceIn(Schema):
    client_id: int
    lines: list[LineIn] = Field(min_length=1, max_length=services.invoices.MAX_LINES)
    promo_code: text(40) = ""
    notes: text(2000) = ""
    issue: bool = Field(False, description="Issue it at once (numbered, sent to the client).")


class LineOut(Schema):
    description: str
    product_id: int | None
    quantity: int
    unit_price: Money
    tax_name: str
    tax_percent: str
    tax_inclusive: bool
    discount: Money
    net: Money
    tax: Money
    total: Money


class InvoiceOut(Schema):
    id: int
    number: str | None
    status: str
    client: ClientRef
    currency: str
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    paid: Money
    credited: Money
    due: Money
    issued_at: datetime | None
    due_on: date | None
    paid_at: datetime | None
    membership_id: int | None
    lines: list[LineOut]


class InvoicePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InvoiceOut]


def invoice_out(invoice: Invoice) -> dict:
    c = invoice.currency
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "status": invoice.status,
        "client": {"id": invoice.client_id, "full_name": invoice.client.full_name},
        "currency": c,
        "subtotal": money(invoice.subtotal_minor, c),
        "discount": money(invoice.discount_minor, c),
        "tax": money(invoice.tax_minor, c),
        "total": money(invoice.total_minor, c),
        "paid": money(invoice.amount_paid_minor, c),
        "credited": money(invoice.amount_credited_minor, c),
        "due": money(invoice.amount_due_minor, c),
        "issued_at": invoice.issued_at,
        "due_on": invoice.due_on,
        "paid_at": invoice.paid_at,
        "membership_id": invoice.membership_id,
        "lines": [
            {
                "description": line.description,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price_minor, c),
                "tax_name": line.tax_name,
                "tax_percent": str(line.tax_percent.normalize()),
                "tax_inclusive": line.tax_inclusive,
                "discount": money(line.discount_minor, c),
                "net": money(line.net_minor, c),
                "tax": money(line.tax_minor, c),
                "total": money(line.total_minor, c),
            }
            for line in invoice.lines.all()
        ],
    }


def _with_lines(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.select_related("client").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id"))
    )


def _invoice(user, invoice_id: int) -> Invoice:
    return selectors.invoice_get(user=user, invoice_id=invoice_id)


class InvoiceFilters(PageParams):
    status: Literal[tuple(InvoiceStatus.values)] | None = None  # type: ignore[valid-type]
    client: int | None = None


@router.get("/invoices", response=InvoicePage, summary="Invoices the caller may see")
def invoice_list(request, filters: Query[InvoiceFilters]):
    """Newest first. Owners, managers and the front desk see all; a client their own
    issued invoices; anyone else none."""
    invoices = selectors.visible_invoices(request.auth)
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.client is not None:
        invoices = invoices.filter(client_id=filters.client)
    invoices = _with_lines(invoices.order_by("-created_at", "-id"))
    return page(invoices, filters, lambda rows: [invoice_out(i) for i in rows])


def _line_spec(index: int, line: LineIn, currency: str) -> services.LineSpec:
    prefix = f"lines.{index}"
    product = None
    if line.product_id is not None:
        product = Product.objects.filter(pk=line.product_id).select_related("tax_rate").first()
        if product is None:
            raise missing(f"{prefix}.product_id", "No such product.")
    rate = product.tax_rate if product else None
    if line.tax_rate_id is not None:
        rate = TaxRate.objects.filter(pk=line.tax_rate_id).first()
        if rate is None:
            raise missing(f"{prefix}.tax_rate_id", "No such tax rate.")
    if line.unit_price is not None:
        price = amount_in(line.unit_price, currency, field=f"{prefix}.unit_price")
    elif product is not None:
        price = product.price_minor
    else:
        raise services.invoices._invalid(f"{prefix}.unit_price", "Give a price or a product.")
    return services.LineSpec(
        description=line.description or (product.name if product else ""),
        unit_price_minor=price,
        quantity=line.quantity,
        product=product,
        tax_rate=rate,
    )


@router.post("/invoices", response={201: InvoiceOut}, summary="Create an invoice")
def invoice_create(request, payload: InvoiceIn, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """201 with the invoice, a draft or (with `issue`) numbered and open. Owners,
    managers and the front desk. Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoices.require_money_staff(user)
        try:
            client = client_get(user=user, client_id=payload.client_id)
        except NotFound as exc:
            raise missing("client_id", "No such client.") from exc
        currency = default_currency()
        specs = [_line_spec(i, line, currency) for i, line in enumerate(payload.lines)]
        with fields_renamed({"client": "client_id"}):
            invoice = services.invoice_create(
                actor=user,
                client=client,
                lines=specs,
                currency=currency,
                promo_code=payload.promo_code,
                notes=payload.notes,
                issue=payload.issue,
            )
        return 201, invoice_out(_with_lines(Invoice.objects.filter(pk=invoice.pk)).get())

    return idempotent(
        request, scope="invoices.create", key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.get("/invoices/{invoice_id}", response=InvoiceOut, summary="One invoice")
def invoice_get(request, invoice_id: int):
    _invoice(request.auth, invoice_id)
    return invoice_out(_with_lines(Invoice.objects.filter(pk=invoice_id)).get())


def _invoice_answer(invoice_id: int) -> tuple[int, dict]:
    return 200, invoice_out(_with_lines(Invoice.objects.filter(pk=invoice_id)).get())


@router.post("/invoices/{invoice_id}/issue", response=InvoiceOut, summary="Issue a draft")
def invoice_issue(request, invoice_id: int, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """Numbers the draft (no gaps within a year), sets its due date and emails it.
    Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoice_issue(actor=user, invoice=_invoice(user, invoice_id))
        return _invoice_answer(invoice_id)

    return idempotent(
        request, scope="invoices.issue", key=idempotency_key,
        payload={"invoice_id": invoice_id}, run=run,
    )  # fmt: skip


class VoidIn(Schema):
    reason: text(200, 1)


@router.post("/invoices/{invoice_id}/void", response=InvoiceOut, summary="Void an invoice")
def invoice_void(
    request, invoice_id: int, payload: VoidIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """Owners and managers; only an open invoice with nothing paid (else refund it).
    Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoice_void(actor=user, invoice=_invoice(user, invoice_id), reason=payload.reason)
        return _invoice_answer(invoice_id)

    return idempotent(
        request, scope="invoices.void", key=idempotency_key,
        payload={"invoice_id": invoice_id, **payload.model_dump()}, run=run,
    )  # fmt: skip


@router.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None},
    summary="The invoice as a PDF",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def invoice_pdf(request, invoice_id: int):
    from fitnesscrm.billing import documents

    invoice = _invoice(request.auth, invoice_id)
    return documents.pdf_response(
        documents.invoice_pdf(invoice), f"{invoice.number or 'draft'}.pdf"
    )
