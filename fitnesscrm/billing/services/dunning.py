"""Dunning: a renewal charge that failed is tried again on the owner's schedule.

1. A failed charge (a decline, or a card that needs the cardholder) is recorded once
   per attempt: `failed_attempts` goes up, `next_attempt_at` is set from
   BillingSettings.dunning_days (days after the first failure, default 1, 4 and 11),
   the membership becomes past due (which can block bookings, a setting) and the
   client is emailed a link to pay the invoice or update the card.
2. `retry_due` (every 15 minutes, fitnesscrm/periodic.py) claims each due invoice with
   a conditional UPDATE of `next_attempt_at`, so of two schedulers only one charges.
3. After the last retry the invoice stays open, and the owners are told.
4. Staff can retry now (`dunning_retry_now`) or write the invoice off
   (services.invoice_write_off). Paying the invoice any way ends it all and puts the
   membership back in good standing.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fitnesscrm.billing.models import (
    BillingSettings,
    Invoice,
    InvoiceStatus,
    Membership,
    MembershipStatus,
    StripeCustomer,
)
from fitnesscrm.billing.services.invoices import _locked, require_money_staff
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import Conflict
from fitnesscrm.core.money import format_money
from fitnesscrm.core.roles import Role

logger = logging.getLogger(__name__)

# When Stripe could not be reached the outcome is unknown: try again (same key) this later.
UNREACHABLE_RETRY = timedelta(hours=1)
BATCH = 100


def retry_days() -> list[int]:
    """The owner's retry days, sorted; the default when none are set."""
    days = BillingSettings.load().dunning_days or BillingSettings.DEFAULT_DUNNING_DAYS
    return sorted({int(day) for day in days if int(day) > 0})


def next_attempt_after(attempt: int, *, now: datetime) -> datetime | None:
    """When to try again after failed attempt number `attempt` (1 is the first failure).

    Retries fall on the given days after the first failure: after attempt n, the next
    try is the gap between day n-1 and day n away (the first failure counts as day 0).
    """
    days = retry_days()
    if attempt > len(days):
        return None
    previous = days[attempt - 2] if attempt >= 2 else 0
    return now + timedelta(days=days[attempt - 1] - previous)


def charge_failed(
    *,
    invoice_id: int,
    attempt: int,
    message: str,
    intent_id: str = "",
    now: datetime | None = None,
) -> bool:
    """Record failed attempt number `attempt` of an invoice, once; False if already recorded.

    Called by the charge itself and by the webhook that confirms it: the attempt number
    makes the second call a no-op, and an older attempt's late event changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("client")
            .filter(pk=invoice_id)
            .first()
        )
        if invoice is None or invoice.status != InvoiceStatus.OPEN:
            return False
        if attempt != invoice.failed_attempts + 1:
            return False
        invoice.failed_attempts = attempt
        invoice.next_attempt_at = next_attempt_after(attempt, now=now)
        invoice.save(update_fields=["failed_attempts", "next_attempt_at", "updated_at"])
        if invoice.membership_id:
            Membership.objects.filter(
                pk=invoice.membership_id, status=MembershipStatus.ACTIVE
            ).update(status=MembershipStatus.PAST_DUE, updated_at=now)
        audit_record(
            action="invoice.charge_failed",
            actor_label="billing",
            target=invoice,
            changes={
                "attempt": attempt,
                "payment_intent": intent_id,
                "message": message[:300],
                "next_attempt_at": invoice.next_attempt_at.isoformat()
                if invoice.next_attempt_at
                else None,
            },
        )
        from fitnesscrm.billing.tasks import send_dunning_email, send_dunning_exhausted_email

        send_dunning_email.enqueue(invoice_id=invoice.pk, attempt=attempt)
        if invoice.next_attempt_at is None and attempt == len(retry_days()) + 1:
            audit_record(
                action="invoice.dunning_exhausted",
                actor_label="billing",
                target=invoice,
                changes={"attempts": attempt},
            )
            send_dunning_exhausted_email.enqueue(invoice_id=invoice.pk)
    return True


def charge_unreachable(*, invoice_id: int, now: datetime | None = None) -> None:
    """Stripe did not answer: try the same attempt again later (its key makes that safe)."""
    Invoice.objects.filter(pk=invoice_id, status=InvoiceStatus.OPEN).update(
        next_attempt_at=(now or timezone.now()) + UNREACHABLE_RETRY
    )


@dataclass
class RetryReport:
    succeeded: int = 0
    failed: int = 0
    no_card: int = 0
    taken: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _claim(invoice_id: int, listed_at: datetime) -> bool:
    """Take the retry: one UPDATE that only one of several workers can win."""
    return (
        Invoice.objects.filter(
            pk=invoice_id, status=InvoiceStatus.OPEN, next_attempt_at=listed_at
        ).update(next_attempt_at=None)
        == 1
    )


def retry_invoice(invoice_id: int, *, now: datetime | None = None) -> str:
    """Charge one claimed invoice again; a missing card counts as a failed attempt."""
    from fitnesscrm.billing import stripe_gateway

    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.OPEN:
        return "taken"
    if not stripe_gateway.is_configured():
        outcome = stripe_gateway.NO_CARD
    else:
        outcome = stripe_gateway.charge_off_session(invoice=invoice, now=now)
    if outcome == stripe_gateway.NO_CARD:
        charge_failed(
            invoice_id=invoice.pk,
            attempt=invoice.failed_attempts + 1,
            message="No card is saved for automatic payments.",
            now=now,
        )
    return outcome


def retry_due(*, now: datetime | None = None, limit: int = BATCH) -> RetryReport:
    """Charge again every open invoice whose next attempt is due, each by one worker only."""
    now = now or timezone.now()
    report = RetryReport()
    due = list(
        Invoice.objects.filter(status=InvoiceStatus.OPEN, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    for invoice_id, listed_at in due:
        if not _claim(invoice_id, listed_at):
            report.taken += 1
            continue
        outcome = retry_invoice(invoice_id, now=now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    if due:
        logger.info("dunning %s", report.as_dict())
    return report


def dunning_retry_now(*, actor, invoice: Invoice) -> Invoice:
    """Staff: charge the saved card again now (in the background), outside the schedule."""
    require_money_staff(actor)
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.status != InvoiceStatus.OPEN or invoice.amount_due_minor <= 0:
            raise Conflict("Only an open invoice with money due can be charged.", code="not_open")
        card = StripeCustomer.objects.filter(client_id=invoice.client_id).first()
        if card is None or not card.payment_method_id:
            raise Conflict("This client has no saved card to charge.", code="no_card")
        # Claimed now: the periodic job will not charge it at the same time.
        invoice.next_attempt_at = None
        invoice.save(update_fields=["next_attempt_at", "updated_at"])
        audit_record(
            actor=actor,
            action="invoice.retry_now",
            target=invoice,
            changes={"attempt": invoice.failed_attempts + 1},
        )
        from fitnesscrm.billing.tasks import dunning_charge_now

        dunning_charge_now.enqueue(invoice_id=invoice.pk)
    return invoice


# A paid renewal lifts the past-due state of its membership: memberships.membership_paid
# (a PAID_HOOKS entry registered in billing/apps.py) does it, once no failed invoice is left.


# --- Emails -------------------------------------------------------------------------------


def site_url(path: str) -> str:
    """An absolute link for an email: the first configured host, https unless it is off."""
    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
    scheme = "https" if settings.HTTPS else "http"
    return f"{scheme}://{hosts[0] if hosts else 'localhost'}{path}"


def _path(name: str, fallback: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def pay_link(invoice: Invoice) -> str:
    return site_url(
        _path(
            "billing-portal:invoice",
            f"/portal/billing/invoices/{invoice.pk}/",
            invoice_id=invoice.pk,
        )
    )


def card_link() -> str:
    return site_url(_path("billing-portal:card", "/portal/billing/card/"))


def _send(*, to: list[str], subject: str, template: str, context: dict) -> None:
    context = {**context, "subject": subject}
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=to
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()


def _context(invoice: Invoice) -> dict:
    business = BillingSettings.load()
    return {
        "site_name": business.business_name or settings.SITE_NAME,
        "client": invoice.client,
        "invoice": invoice,
        "due": format_money(invoice.amount_due_minor, invoice.currency),
    }


def dunning_email_send(*, invoice_id: int, attempt: int) -> bool:
    """Tell the client the charge failed, when it is tried again, and how to pay now."""
    invoice = Invoice.objects.select_related("client").filter(pk=invoice_id).first()
    if (
        invoice is None
        or invoice.status != InvoiceStatus.OPEN
        or invoice.failed_attempts != attempt
        or not invoice.client.email
        or invoice.client.archived_at is not None
    ):
        return False
    next_try = (
        timezone.localtime(invoice.next_attempt_at).strftime("%A %d %B %Y")
        if invoice.next_attempt_at
        else ""
    )
    _send(
        to=[invoice.client.email],
        subject=f"Your payment for invoice {invoice.number} did not go through",
        template="billing/email/dunning_failed",
        context={
            **_context(invoice),
            "next_try": next_try,
            "pay_url": pay_link(invoice),
            "card_url": card_link(),
        },
    )
    return True


def dunning_exhausted_email_send(*, invoice_id: int) -> bool:
    """Tell the owners that the last retry failed and the invoice needs a person."""
    from fitnesscrm.accounts.models import User

    invoice = Invoice.objects.select_related("client").filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.OPEN:
        return False
    owners = list(
        User.objects.filter(role=Role.OWNER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not owners:
        return False
    _send(
        to=owners,
        subject=f"Invoice {invoice.number}: every automatic payment attempt failed",
        template="billing/email/dunning_exhausted",
        context={
            **_context(invoice),
            "attempts": invoice.failed_attempts,
            "invoice_url": site_url(
                _path("billing:invoice", f"/billing/invoices/{invoice.pk}/", invoice_id=invoice.pk)
            ),
        },
    )
    return True
