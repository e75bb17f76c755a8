"""Invoices: the list with its filters, one invoice with its actions, a new invoice, PDFs.

The actions posted from an invoice's page (record a payment, void, write off) show the
page again with the message at the field when a service refuses them.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.billing import documents, selectors, services
from fitnesscrm.billing.forms import (
    InvoiceFilterForm,
    InvoiceForm,
    LineFormSet,
    PaymentForm,
    ReasonForm,
    apply_errors,
)
from fitnesscrm.billing.models import InvoiceStatus, PaymentMethod, Refund, StripeCustomer, TaxRate
from fitnesscrm.billing.views._common import (
    MONEY,
    PER_PAGE,
    invoice_or_404,
    is_manager,
    require_manager,
    tabs,
)
from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import client_list, visible_clients
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.money import format_money
from fitnesscrm.core.pages import refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.text import search_key

# Clients offered by the new-invoice page's search.
PICKER_ROWS = 20


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_GET
@role_required(*MONEY)
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Invoices, newest first, filtered by status, client and the day they were issued."""
    form = InvoiceFilterForm(request.GET)
    invoices = selectors.visible_invoices(request.user).select_related("client")
    if status := form.value("status"):
        invoices = invoices.filter(status=status)
    if client_id := form.value("client"):
        invoices = invoices.filter(client_id=client_id)
    if q := form.value("q"):
        invoices = invoices.filter(client__search_text__contains=search_key(q))
    if start := form.value("start"):
        invoices = invoices.filter(issued_at__gte=_day_start(start))
    if end := form.value("end"):
        invoices = invoices.filter(issued_at__lt=_day_start(end + timedelta(days=1)))
    page = Paginator(invoices.order_by("-created_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "billing/invoice_list.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "tabs": tabs(request.user, "invoices"),
        },
    )


def _detail_context(request: HttpRequest, invoice, **forms) -> dict:
    payments = list(
        invoice.payments.select_related("recorded_by").prefetch_related(
            Prefetch("refunds", queryset=Refund.objects.select_related("credit_note"))
        )
    )
    manager = is_manager(request.user)
    for payment in payments:
        payment.can_refund = manager and payment.refundable_minor > 0
    is_open = invoice.status == InvoiceStatus.OPEN
    return {
        "invoice": invoice,
        "lines": list(invoice.lines.select_related("product")),
        "payments": payments,
        "credit_notes": list(invoice.credit_notes.order_by("issued_at", "id")),
        "pay_form": forms.get("pay_form") or PaymentForm(currency=invoice.currency),
        "void_form": forms.get("void_form") or ReasonForm(prefix="void"),
        "write_off_form": forms.get("write_off_form")
        or ReasonForm(prefix="write_off", required=False),
        "can_pay": is_open and invoice.amount_due_minor > 0,
        "can_void": manager and is_open and not invoice.amount_paid_minor,
        "can_write_off": manager and is_open,
        "can_email": invoice.status != InvoiceStatus.DRAFT and bool(invoice.client.email),
        # A saved card at Stripe: charge it now, outside the dunning schedule.
        "can_charge_card": is_open
        and invoice.amount_due_minor > 0
        and StripeCustomer.objects.filter(client_id=invoice.client_id)
        .exclude(payment_method_id="")
        .exists(),
        "is_draft": invoice.status == InvoiceStatus.DRAFT,
        "manager": manager,
        "stripe_method": PaymentMethod.STRIPE,
        "tabs": tabs(request.user, "invoices"),
    }


def _detail(request: HttpRequest, invoice, *, status: int = 200, **forms) -> HttpResponse:
    return render(
        request,
        "billing/invoice_detail.html",
        _detail_context(request, invoice, **forms),
        status=status,
    )


@require_GET
@role_required(*MONEY)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    return _detail(request, invoice_or_404(request, invoice_id))


@require_POST
@role_required(*MONEY)
def invoice_pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Record money received at the desk; a partial payment leaves the rest due."""
    invoice = invoice_or_404(request, invoice_id)
    form = PaymentForm(request.POST, currency=invoice.currency)
    if form.is_valid():
        try:
            payment = services.payment_record(
                actor=request.user,
                invoice=invoice,
                amount_minor=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            invoice.refresh_from_db()
            left = format_money(invoice.amount_due_minor, invoice.currency)
            paid = format_money(payment.amount_minor, payment.currency)
            if invoice.status == InvoiceStatus.PAID:
                messages.success(request, f"{paid} recorded: the invoice is paid.")
            else:
                messages.success(request, f"{paid} recorded; {left} is still due.")
            return redirect(reverse("billing:invoice", args=[invoice.pk]))
    return _detail(request, invoice, status=400, pay_form=form)


@require_POST
@role_required(*MONEY)
def invoice_void(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoice_or_404(request, invoice_id)
    require_manager(request)
    form = ReasonForm(request.POST, prefix="void")
    if form.is_valid():
        try:
            services.invoice_void(
                actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, f"Invoice {invoice.number} is void.")
            return redirect(reverse("billing:invoice", args=[invoice.pk]))
    return _detail(request, invoice, status=400, void_form=form)


@require_POST
@role_required(*MONEY)
def invoice_write_off(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoice_or_404(request, invoice_id)
    require_manager(request)
    form = ReasonForm(request.POST, prefix="write_off", required=False)
    if form.is_valid():
        try:
            services.invoice_write_off(
                actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, f"Invoice {invoice.number} is written off.")
            return redirect(reverse("billing:invoice", args=[invoice.pk]))
    return _detail(request, invoice, status=400, write_off_form=form)


@require_POST
@role_required(*MONEY)
def invoice_issue(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoice_or_404(request, invoice_id)
    try:
        invoice = services.invoice_issue(actor=request.user, invoice=invoice)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.number} issued and emailed to the client.")
    return redirect(reverse("billing:invoice", args=[invoice.pk]))


@require_POST
@role_required(*MONEY)
def invoice_delete(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoice_or_404(request, invoice_id)
    try:
        services.invoice_delete_draft(actor=request.user, invoice=invoice)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
        return redirect(reverse("billing:invoice", args=[invoice.pk]))
    messages.success(request, "Draft deleted.")
    return redirect(reverse("billing:invoices"))


@require_POST
@role_required(*MONEY)
def invoice_email(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Send the invoice to the client again (by the email task, after this commits)."""
    from fitnesscrm.billing.tasks import send_invoice_email

    invoice = invoice_or_404(request, invoice_id)
    if invoice.status == InvoiceStatus.DRAFT:
        messages.error(request, "Issue the invoice before emailing it.")
    elif not invoice.client.email:
        messages.error(request, "This client has no email address.")
    else:
        transaction.on_commit(lambda: send_invoice_email.enqueue(invoice_id=invoice.pk))
        messages.success(
            request, f"Invoice {invoice.number} will be emailed to {invoice.client.email}."
        )
    return redirect(reverse("billing:invoice", args=[invoice.pk]))


@require_POST
@role_required(*MONEY)
def invoice_charge_card(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Charge the client's saved card now (in the background), e.g. after a failed renewal."""
    invoice = invoice_or_404(request, invoice_id)
    try:
        services.dunning_retry_now(actor=request.user, invoice=invoice)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "The saved card is being charged: the invoice shows the result in a moment."
        )
    return redirect(reverse("billing:invoice", args=[invoice.pk]))


@require_GET
@role_required(*MONEY)
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """The PDF of an invoice, as a download (clients get theirs from the portal)."""
    invoice = invoice_or_404(request, invoice_id)
    content = documents.invoice_pdf(invoice)
    return documents.pdf_response(content, documents.invoice_filename(invoice), download=True)


@require_GET
@role_required(*MONEY)
def credit_note_pdf(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = (
        selectors.visible_credit_notes(request.user)
        .select_related("invoice__client")
        .filter(pk=credit_note_id)
        .first()
    )
    if note is None:
        raise Http404("No such credit note.")
    content = documents.credit_note_pdf(note)
    return documents.pdf_response(content, documents.credit_note_filename(note), download=True)


# --- A new invoice ---------------------------------------------------------------------------


def _picked_client(request: HttpRequest, value):
    """The client chosen on the form, among those the user may see."""
    try:
        return visible_clients(request.user).get(pk=int(value)) if value else None
    except (ValueError, TypeError, Client.DoesNotExist):
        return None


def _line_formset(request: HttpRequest, data=None):
    return LineFormSet(
        data,
        prefix="lines",
        form_kwargs={
            "products": list(selectors.products_on_sale().order_by("kind", "name")),
            "tax_rates": list(TaxRate.objects.filter(is_active=True)),
            "currency": settings.CURRENCY,
        },
    )


def _place_line_errors(formset, exc: ApplicationError) -> bool:
    """A service's `lines.<n>.<field>` errors at that row's field; True if any was placed."""
    placed = False
    filled = [form for form in formset.forms if not form.is_blank()]
    for error in exc.errors:
        parts = str(error.get("field", "")).split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index, name = int(parts[1]), parts[2]
            if index < len(filled) and name in filled[index].fields:
                filled[index].add_error(name, error.get("message") or exc.message)
                placed = True
    return placed


@require_http_methods(["GET", "POST"])
@role_required(*MONEY)
def invoice_create(request: HttpRequest) -> HttpResponse:
    """A new invoice for one client: lines from the products on sale or free text."""
    posted = request.method == "POST"
    form = InvoiceForm(
        request.POST if posted else None, initial={"client": request.GET.get("client")}
    )
    lines = _line_formset(request, request.POST if posted else None)
    client = _picked_client(
        request, request.POST.get("client") if posted else form["client"].value()
    )
    if posted and form.is_valid() and client is None:
        form.add_error("client", "Pick a client.")
    if posted and form.is_valid() and lines.is_valid():
        specs = [
            services.LineSpec(
                description=line.cleaned_data.get("description")
                or line.cleaned_data["product_obj"].name,
                unit_price_minor=line.cleaned_data["unit_price_minor"],
                quantity=line.cleaned_data["quantity"],
                product=line.cleaned_data["product_obj"],
                tax_rate=line.cleaned_data["tax_obj"],
            )
            for line in lines.forms
            if not line.is_blank()
        ]
        try:
            invoice = services.invoice_create(
                actor=request.user,
                client=client,
                lines=specs,
                promo_code=form.cleaned_data["promo_code"],
                notes=form.cleaned_data["notes"],
                issue="issue" in request.POST,
            )
        except ApplicationError as exc:
            refuse(exc)
            if not _place_line_errors(lines, exc):
                apply_errors(form, exc)
        else:
            done = "issued" if invoice.number else "saved as a draft"
            messages.success(request, f"Invoice {invoice} {done}.")
            return redirect(reverse("billing:invoice", args=[invoice.pk]))
    q = request.GET.get("find", "").strip()
    found = list(client_list(user=request.user, q=q)[:PICKER_ROWS]) if len(q) >= 2 else []
    return render(
        request,
        "billing/invoice_form.html",
        {
            "form": form,
            "lines": lines,
            "client": client,
            "find": q,
            "found": found,
            "tabs": tabs(request.user, "invoices"),
        },
        status=400 if posted else 200,
    )
