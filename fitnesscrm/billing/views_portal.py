"""The client's billing in the portal: my membership, credits, invoices and receipts, paying.

Pages for the phone first. Reads go through billing.selectors (a client sees only their
own records; another client's invoice id is a 404) and writes through billing.services.
Card details are typed only on Stripe's own page: paying and saving a card redirect
there (stripe_gateway); when Stripe is not configured the pages say so and point to
the front desk.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.billing import documents, selectors, services, stripe_gateway
from fitnesscrm.billing.models import (
    CreditGrant,
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    Product,
    ProductKind,
    StripeCustomer,
)
from fitnesscrm.billing.services import memberships
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.money import format_money
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import Role

INVOICES_PER_PAGE = 20
OPEN_SHOWN = 10
# What a client can buy here: a plan, or credits for classes.
SOLD_HERE = (ProductKind.MEMBERSHIP, ProductKind.PACK, ProductKind.DROP_IN, ProductKind.TRIAL)
LIVE = (MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.PAST_DUE)
NO_CARDS = "Card payments are not set up yet: please pay at the front desk."


def _money(minor: int, currency: str) -> str:
    return format_money(minor, currency)


def _invoice_or_404(request: HttpRequest, invoice_id) -> Invoice:
    try:
        return selectors.invoice_get(user=request.user, invoice_id=invoice_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _dressed(invoice: Invoice) -> Invoice:
    """Amounts as shown, on the invoice itself, for the templates."""
    invoice.shown = {
        "total": _money(invoice.total_minor, invoice.currency),
        "subtotal": _money(invoice.subtotal_minor, invoice.currency),
        "tax": _money(invoice.tax_minor, invoice.currency),
        "discount": _money(invoice.discount_minor, invoice.currency),
        "paid": _money(invoice.amount_paid_minor, invoice.currency),
        "credited": _money(invoice.amount_credited_minor, invoice.currency),
        "due": _money(invoice.amount_due_minor, invoice.currency),
    }
    invoice.payable = invoice.status == InvoiceStatus.OPEN and invoice.amount_due_minor > 0
    return invoice


def _memberships(request: HttpRequest) -> list:
    """The client's memberships that are not over, newest first, with their pauses."""
    found = list(
        selectors.visible_memberships(request.user)
        .exclude(status=MembershipStatus.ENDED)
        .select_related("product")
        .prefetch_related("pauses")
        .order_by("-started_on", "-id")[:5]
    )
    today = timezone.localdate()
    for membership in found:
        membership.price_shown = _money(membership.price_minor, membership.currency)
        membership.period_last_day = membership.current_period_end - timedelta(days=1)
        membership.renews = (
            membership.status in LIVE
            and membership.renew_automatically
            and membership.ends_on is None
        )
        membership.pauses_ahead = [p for p in membership.pauses.all() if p.ends_on >= today]
        membership.cancellable = membership.status in LIVE and membership.ends_on is None
    return found


def _grants(client) -> list[CreditGrant]:
    """The client's own credits that can still be used (remaining, not expired)."""
    if client is None:
        return []
    return list(
        CreditGrant.objects.filter(client=client, remaining__gt=0)
        .exclude(expires_on__lt=timezone.localdate())
        .select_related("product")
        .order_by("expires_on", "created_at")
    )


def _card(client) -> StripeCustomer | None:
    if client is None:
        return None
    return StripeCustomer.objects.filter(client=client).exclude(card_last4="").first()


# --- My membership ---------------------------------------------------------------------------


@require_GET
@role_required(Role.CLIENT)
def index(request: HttpRequest) -> HttpResponse:
    """Membership, credits, card and what is open to pay, on one page."""
    client = client_of_user(request.user)
    open_invoices = [
        _dressed(invoice)
        for invoice in selectors.visible_invoices(request.user)
        .filter(status=InvoiceStatus.OPEN)
        .order_by("due_on", "id")[:OPEN_SHOWN]
    ]
    grants = _grants(client)
    if request.GET.get("card") == "saved":
        messages.success(request, "Thank you: your card is being saved with Stripe.")
    context = {
        "client": client,
        "memberships": _memberships(request),
        "grants": grants,
        "credits": sum(grant.remaining for grant in grants),
        "open_invoices": open_invoices,
        "card": _card(client),
        "cards_on": stripe_gateway.is_configured(),
        "today": timezone.localdate(),
    }
    return render(request, "billing/portal/index.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def membership_cancel(request: HttpRequest, membership_id: int) -> HttpResponse:
    """GET shows when the membership would end (notice period, minimum term); POST cancels."""
    try:
        membership = selectors.membership_get(user=request.user, membership_id=membership_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        try:
            cancelled = memberships.membership_cancel(
                actor=request.user,
                membership=membership,
                reason=request.POST.get("reason", "")[:200],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("billing-portal:cancel", membership_id=membership.pk)
        messages.success(
            request,
            f"Your {cancelled.product.name} membership is cancelled: it ends on "
            f"{cancelled.ends_on:%-d %B %Y}. Nothing more is charged after that.",
        )
        return redirect("billing-portal:index")
    today = timezone.localdate()
    cancellable = membership.status in LIVE and membership.ends_on is None
    preview = memberships.membership_cancel_preview(membership, today=today) if cancellable else {}
    term_last_day = (
        membership.minimum_term_end - timedelta(days=1) if membership.minimum_term_end else None
    )
    context = {
        "membership": membership,
        "cancellable": cancellable,
        "notice_days": membership.product.notice_days,
        "ends_on": preview.get("ends_on"),
        "refused": preview.get("refused", ""),
        "more_payments": bool(preview) and preview["ends_on"] >= membership.current_period_end,
        "term_last_day": term_last_day if term_last_day and term_last_day >= today else None,
        "price_shown": _money(membership.price_minor, membership.currency),
    }
    return render(request, "billing/portal/cancel.html", context)


# --- Invoices and receipts --------------------------------------------------------------------


@require_GET
@role_required(Role.CLIENT)
def invoices(request: HttpRequest) -> HttpResponse:
    mine = selectors.visible_invoices(request.user).order_by("-issued_at", "-id")
    page = Paginator(mine, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    for invoice in page:
        _dressed(invoice)
    context = {"page": page, "today": timezone.localdate()}
    return render(request, "billing/portal/invoices.html", context)


@require_GET
@role_required(Role.CLIENT)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _dressed(_invoice_or_404(request, invoice_id))
    checkout = request.GET.get("checkout")
    if checkout == "done":
        messages.success(
            request, "Thank you: your payment is being confirmed. This page updates when it is."
        )
    elif checkout == "cancelled":
        messages.info(request, "The payment was not made. You can try again at any time.")
    payments = list(
        selectors.visible_payments(request.user)
        .filter(invoice=invoice)
        .prefetch_related("refunds")
        .order_by("received_at", "id")
    )
    for payment in payments:
        payment.amount_shown = _money(payment.amount_minor, payment.currency)
        payment.refunded_shown = _money(payment.refunded_minor, payment.currency)
    notes = list(
        selectors.visible_credit_notes(request.user)
        .filter(invoice=invoice)
        .order_by("issued_at", "id")
    )
    for note in notes:
        note.amount_shown = _money(note.amount_minor, note.currency)
    lines = list(invoice.lines.all())
    for line in lines:
        line.total_shown = _money(line.total_minor, invoice.currency)
        line.unit_shown = _money(line.unit_price_minor, invoice.currency)
    context = {
        "invoice": invoice,
        "lines": lines,
        "payments": payments,
        "notes": notes,
        "cards_on": stripe_gateway.is_configured(),
        "today": timezone.localdate(),
    }
    return render(request, "billing/portal/invoice.html", context)


@require_GET
@role_required(Role.CLIENT)
def invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    return documents.pdf_response(
        documents.invoice_pdf(invoice), documents.invoice_filename(invoice)
    )


@require_GET
@role_required(Role.CLIENT)
def credit_note_pdf(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    note = (
        selectors.visible_credit_notes(request.user)
        .select_related("invoice__client")
        .filter(pk=credit_note_id)
        .first()
    )
    if note is None:
        raise Http404("No such credit note.")
    return documents.pdf_response(
        documents.credit_note_pdf(note), documents.credit_note_filename(note)
    )


# --- Paying and the card ---------------------------------------------------------------------


def _to_checkout(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    """Off to Stripe's page to pay `invoice`; back to the invoice with a message otherwise."""
    back = reverse("billing-portal:invoice", kwargs={"invoice_id": invoice.pk})
    if not stripe_gateway.is_configured():
        messages.warning(request, NO_CARDS)
        return redirect(back)
    try:
        url = stripe_gateway.checkout_for_invoice(
            invoice=invoice,
            success_url=request.build_absolute_uri(f"{back}?checkout=done"),
            cancel_url=request.build_absolute_uri(f"{back}?checkout=cancelled"),
        )
    except ApplicationError as exc:
        messages.error(request, f"{exc.message} Please try again later or pay at the front desk.")
        return redirect(back)
    return redirect(url)


@require_POST
@role_required(Role.CLIENT)
def invoice_pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_or_404(request, invoice_id)
    if invoice.status != InvoiceStatus.OPEN or invoice.amount_due_minor <= 0:
        messages.info(request, "Nothing is due on this invoice.")
        return redirect("billing-portal:invoice", invoice_id=invoice.pk)
    return _to_checkout(request, invoice)


@require_POST
@role_required(Role.CLIENT)
def card_update(request: HttpRequest) -> HttpResponse:
    """Off to Stripe's page to save a card (or replace the one saved) for renewals."""
    client = client_of_user(request.user)
    back = reverse("billing-portal:index")
    if client is None:
        messages.error(request, "Your login is not linked to a client record. Ask at the desk.")
        return redirect(back)
    if not stripe_gateway.is_configured():
        messages.warning(request, "Card payments are not set up yet: nothing to save here.")
        return redirect(back)
    try:
        url = stripe_gateway.checkout_for_card(
            client=client,
            success_url=request.build_absolute_uri(f"{back}?card=saved"),
            cancel_url=request.build_absolute_uri(back),
        )
    except ApplicationError as exc:
        messages.error(request, f"{exc.message} Please try again later.")
        return redirect(back)
    return redirect(url)


# --- Buying a plan or a pack -----------------------------------------------------------------


def _on_sale():
    return (
        selectors.products_on_sale()
        .filter(kind__in=SOLD_HERE)
        .order_by("kind", "price_minor", "name")
    )


@require_GET
@role_required(Role.CLIENT)
def shop(request: HttpRequest) -> HttpResponse:
    products = list(_on_sale())
    for product in products:
        product.price_shown = _money(product.price_minor, product.currency)
        product.fee_shown = (
            _money(product.signup_fee_minor, product.currency) if product.signup_fee_minor else ""
        )
    context = {
        "plans": [p for p in products if p.kind == ProductKind.MEMBERSHIP],
        "packs": [p for p in products if p.kind != ProductKind.MEMBERSHIP],
        "has_record": client_of_user(request.user) is not None,
        "cards_on": stripe_gateway.is_configured(),
        "plans_sold_here": True,
    }
    return render(request, "billing/portal/shop.html", context)


def _purchase(request: HttpRequest, client, product: Product) -> Invoice:
    """The issued invoice for buying `product`, on the client's own behalf.

    A plan's membership starts once its invoice is paid (memberships service); the
    credits of a pack, drop-in or trial are granted when it is paid.
    """
    if product.kind == ProductKind.MEMBERSHIP:
        return memberships.membership_purchase_start(
            actor=request.user, client=client, product=product
        ).invoice
    return services.product_purchase(actor=request.user, client=client, product=product)


@require_POST
@role_required(Role.CLIENT)
def buy(request: HttpRequest) -> HttpResponse:
    """Buy a plan or a pack: an invoice now, then Stripe's page (or the desk) to pay it."""
    product = _on_sale().filter(pk=_int(request.POST.get("product"))).first()
    if product is None:
        raise Http404("This is not on sale.")
    client = client_of_user(request.user)
    if client is None:
        messages.error(request, "Your login is not linked to a client record. Ask at the desk.")
        return redirect("billing-portal:shop")
    # A second tap (or a second tab) goes to the invoice already waiting to be paid.
    waiting = (
        selectors.visible_invoices(request.user)
        .filter(status=InvoiceStatus.OPEN, lines__product=product)
        .order_by("-id")
        .first()
    )
    if waiting is not None:
        messages.info(request, f"Invoice {waiting.number} for {product.name} is waiting for you.")
        return _to_checkout(request, waiting)
    try:
        with transaction.atomic():
            invoice = _purchase(request, client, product)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("billing-portal:shop")
    if not stripe_gateway.is_configured():
        messages.info(
            request,
            f"Invoice {invoice.number} for {product.name} is ready. {NO_CARDS}"
            + (" Your membership starts when it is paid." if product.is_recurring else ""),
        )
        return redirect("billing-portal:invoice", invoice_id=invoice.pk)
    return _to_checkout(request, invoice)


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
