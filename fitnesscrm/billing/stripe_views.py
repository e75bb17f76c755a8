"""Stripe's webhook endpoint, and the pages a client returns to from Stripe Checkout."""

import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import InvoiceStatus, StripeEvent
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import Role

logger = logging.getLogger(__name__)


def _refuse(why: str) -> JsonResponse:
    logger.warning("stripe webhook refused: %s", why)
    return JsonResponse({"detail": why, "code": "bad_webhook", "errors": []}, status=400)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Verify, store once, answer at once; a task does the work (stripe_events.py).

    The signature is checked over the raw body with the endpoint's secret, and events
    signed more than five minutes ago are refused (a replayed capture). A repeat of an
    event already stored is acknowledged and nothing more.
    """
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return _refuse("Stripe webhooks are not set up.")
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return _refuse("The Stripe-Signature header is missing.")
    try:
        event = stripe.Webhook.construct_event(request.body, signature, secret)
    except ValueError:
        return _refuse("The body is not a Stripe event.")
    except stripe.SignatureVerificationError:
        return _refuse("The signature does not match, or the event is too old.")
    payload = event.to_dict()
    try:
        with transaction.atomic():
            row, created = StripeEvent.objects.get_or_create(
                event_id=event.id,
                defaults={
                    "type": (event.type or "")[:100],
                    "created": datetime.fromtimestamp(int(event.created or 0), UTC),
                    "payload": payload,
                },
            )
            if created:
                from fitnesscrm.billing.tasks import process_stripe_event

                # Enqueued in this transaction: it runs once the event row is committed.
                process_stripe_event.enqueue(event_row_id=row.pk)
    except IntegrityError:
        created = False  # the same event, delivered twice at the same moment
    if not created:
        logger.info("stripe event %s again: acknowledged", event.id)
    return JsonResponse({"received": True, "duplicate": not created})


@require_GET
@role_required(Role.CLIENT)
def checkout_done(request: HttpRequest) -> HttpResponse:
    """Back from Stripe after paying: paid, or being confirmed (the webhook may follow)."""
    invoice = None
    if request.GET.get("invoice"):
        try:
            invoice = selectors.invoice_get(user=request.user, invoice_id=request.GET["invoice"])
        except NotFound:
            invoice = None
    return render(
        request,
        "billing/stripe/checkout_done.html",
        {
            "title": "Thank you",
            "invoice": invoice,
            "paid": invoice is not None and invoice.status == InvoiceStatus.PAID,
            "card": request.GET.get("card") == "1",
        },
    )


@require_GET
@role_required(Role.CLIENT)
def checkout_cancelled(request: HttpRequest) -> HttpResponse:
    """Back from Stripe without paying: nothing was charged."""
    return render(
        request,
        "billing/stripe/checkout_cancelled.html",
        {"title": "Payment not made", "card": request.GET.get("card") == "1"},
    )
