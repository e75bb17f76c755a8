"""Refunds of one payment: recorded by hand, or sent back to the card through Stripe."""

import importlib.util

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from fitnesscrm.billing import services
from fitnesscrm.billing.forms import RefundForm, apply_errors, major
from fitnesscrm.billing.models import PaymentMethod
from fitnesscrm.billing.views._common import (
    MONEY,
    payment_or_404,
    require_manager,
    tabs,
)
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.money import format_money
from fitnesscrm.core.pages import refuse
from fitnesscrm.core.permissions import role_required

STRIPE_REFUNDS = "fitnesscrm.billing.services.stripe_refunds"


def _stripe_refunds():
    """The Stripe refund service, where this install has it."""
    if importlib.util.find_spec(STRIPE_REFUNDS) is None:
        return None
    return importlib.import_module(STRIPE_REFUNDS)


def _card_refunds_ready() -> bool:
    from fitnesscrm.billing import stripe_gateway

    return _stripe_refunds() is not None and stripe_gateway.is_configured()


@require_http_methods(["GET", "POST"])
@role_required(*MONEY)
def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Refund part or all of a payment; each refund comes with a credit note."""
    payment = payment_or_404(request, payment_id)
    require_manager(request)
    by_card = payment.method == PaymentMethod.STRIPE
    card_ready = _card_refunds_ready() if by_card else False
    posted = request.method == "POST"
    form = RefundForm(
        request.POST if posted else None,
        currency=payment.currency,
        initial={"amount": major(payment.refundable_minor, payment.currency)},
    )
    if posted and by_card and not card_ready:
        form.is_valid()
        form.add_error(None, "Card payments are refunded through Stripe, which is not set up.")
    elif posted and form.is_valid():
        refund_with = _stripe_refunds().refund_via_stripe if by_card else services.refund_record
        try:
            refund = refund_with(
                actor=request.user,
                payment=payment,
                amount_minor=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            amount = format_money(refund.amount_minor, refund.currency)
            how = "sent back to the card" if by_card else "recorded"
            messages.success(
                request, f"Refund of {amount} {how}; credit note {refund.credit_note.number}."
            )
            return redirect(reverse("billing:invoice", args=[payment.invoice_id]))
    return render(
        request,
        "billing/refund_form.html",
        {
            "payment": payment,
            "invoice": payment.invoice,
            "form": form,
            "by_card": by_card,
            "card_ready": card_ready,
            "refunds": list(payment.refunds.select_related("credit_note")),
            "tabs": tabs(request.user, "invoices"),
        },
        status=400 if posted else 200,
    )
