"""Memberships: start, renewal, pauses, cancellation and expiry.

Periods run from one billing day (the anchor, 1 to 28) to the next, `interval`
months apart; `current_period_end` is exclusive. Every period is invoiced in advance.

Proration: a period that does not start on the anchor day (the first one, when the
membership starts on another day, or the one after a pause) runs only to the next
anchor day, and costs the price times its days over the days of the whole period
that ends on that anchor day, rounded half up to a minor unit. A period that
starts on the anchor day costs exactly the price. So a client pays by the day for
a partial period and never more than the price.

Pauses: no billing while paused. A pause belongs to the period it starts in and
moves that period's end (and the minimum term's) by its length in days, so the
renewal comes that much later; the period after it is prorated back to the anchor
day. Renewal claims a period with a conditional UPDATE, so two schedulers running
at once invoice it once.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import (
    INTERVAL_MONTHS,
    Invoice,
    InvoiceStatus,
    Membership,
    MembershipPause,
    MembershipStatus,
    Product,
    ProductKind,
    StripeCustomer,
)
from fitnesscrm.billing.services.invoices import (
    LineSpec,
    _invalid,
    invoice_create,
)
from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.money import round_half_up
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role

logger = logging.getLogger(__name__)

# Memberships that still run (and are renewed while their period lasts).
LIVE = (
    MembershipStatus.ACTIVE,
    MembershipStatus.PAUSED,
    MembershipStatus.PAST_DUE,
    MembershipStatus.CANCELLED,
)
# An online purchase not paid within this many days is dropped (its invoice voided).
PENDING_DAYS = 7
BACKDATE_DAYS = 31
AHEAD_DAYS = 365
MAX_PAUSE_DAYS = 365
# A renewal job that was stopped for a long time catches up at most this many periods.
MAX_CATCH_UP = 36
IMMEDIATE_CANCEL_NOTE = (
    "The membership has ended. Any refund of the unused part is made by staff from its invoice."
)


# --- Periods -------------------------------------------------------------------------------------


def add_months(day: date, months: int, anchor_day: int) -> date:
    """The `anchor_day` of the month `months` after `day`'s month (anchor days exist in every
    month)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, anchor_day)


def _months_later(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has none (31 Jan → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    amount_minor: int
    full: bool


def period_from(start: date, *, anchor_day: int, months: int, price_minor: int) -> Period:
    """The period starting on `start` and what it costs (the proration rule in the docstring)."""
    if start.day == anchor_day:
        return Period(start, add_months(start, months, anchor_day), price_minor, True)
    this_month = date(start.year, start.month, anchor_day)
    end = this_month if this_month > start else add_months(start, 1, anchor_day)
    whole_start = add_months(end, -months, anchor_day)
    amount = round_half_up(Decimal(price_minor) * (end - start).days / (end - whole_start).days)
    return Period(start, end, amount, False)


def _months(membership: Membership) -> int:
    return INTERVAL_MONTHS[membership.interval]


def _with_pauses(membership: Membership, start: date, end: date) -> date:
    """`end` moved by every pause that starts in [start, end) (the move may take in another)."""
    for pause in membership.pauses.filter(starts_on__gte=start).order_by("starts_on"):
        if pause.starts_on >= end:
            break
        end += timedelta(days=_days(pause))
    return end


def _days(pause: MembershipPause) -> int:
    return (pause.ends_on - pause.starts_on).days + 1


def _pause_today(membership: Membership, day: date) -> MembershipPause | None:
    return membership.pauses.filter(starts_on__lte=day, ends_on__gte=day).first()


def _status_on(membership: Membership, day: date) -> str:
    return MembershipStatus.PAUSED if _pause_today(membership, day) else MembershipStatus.ACTIVE


# --- Who may do what -----------------------------------------------------------------------------


def _is_manager(actor) -> bool:
    return role_of(actor) in MANAGEMENT_ROLES


def _acts_for_self(actor, client: Client) -> bool:
    if role_of(actor) != Role.CLIENT:
        return False
    own = client_of_user(actor)
    return own is not None and own.pk == client.pk


def _require_seller(actor, client: Client) -> None:
    """The system (actor None), the money staff, or a client for themselves."""
    if actor is None or selectors.sees_money(actor) or _acts_for_self(actor, client):
        return
    raise Forbidden("Only owners, managers and the front desk handle memberships.")


def _require_staff(actor) -> None:
    if actor is not None and not selectors.sees_money(actor):
        raise Forbidden("Only owners, managers and the front desk handle memberships.")


def _locked(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("product__tax_rate", "client")
        .get(pk=membership.pk)
    )


# --- Start ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipStarted:
    membership: Membership
    invoice: Invoice


def _period_line(membership: Membership, period: Period, end: date) -> LineSpec:
    product = membership.product
    last = end - timedelta(days=1)
    return LineSpec(
        description=f"{product.name}: {period.start:%d %b %Y} to {last:%d %b %Y}",
        unit_price_minor=period.amount_minor,
        product=product,
        tax_rate=product.tax_rate,
        period_start=period.start,
        period_end=last,  # the last day covered, as people read "until"
    )


@transaction.atomic
def membership_start(
    *,
    actor,
    client: Client,
    product: Product,
    starts_on: date | None = None,
    anchor_day: int | None = None,
    promo_code: str = "",
    renew_automatically: bool = True,
) -> MembershipStarted:
    """Start a membership and issue its first invoice (sign-up fee and first period) at once.

    The membership gives booking rights from its first day; the invoice is paid at
    the desk, by card, or automatically later (dunning follows a failed charge). A
    promo code applies to this first invoice only. One running membership per client.
    """
    _require_seller(actor, client)
    today = timezone.localdate()
    starts_on = starts_on or today
    if product.kind != ProductKind.MEMBERSHIP or not product.is_active:
        raise _invalid("product", "Choose a membership plan that is on sale.")
    if client.archived_at is not None:
        raise _invalid("client", "This client is archived.", "client_archived")
    earliest = today if role_of(actor) == Role.CLIENT else today - timedelta(days=BACKDATE_DAYS)
    if starts_on < earliest:
        raise _invalid(
            "starts_on",
            "A membership cannot start in the past."
            if earliest == today
            else f"A membership can start at most {BACKDATE_DAYS} days ago.",
        )
    if starts_on > today + timedelta(days=AHEAD_DAYS):
        raise _invalid("starts_on", "A membership can start at most a year ahead.")
    anchor_day = min(starts_on.day, 28) if anchor_day is None else anchor_day
    if not 1 <= anchor_day <= 28:
        raise _invalid("anchor_day", "The billing day is between 1 and 28.")
    # The client's row serialises two sales to the same client.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    running = (
        Membership.objects.filter(client=client, status__in=(*LIVE, MembershipStatus.PENDING))
        .exclude(ends_on__lt=starts_on)
        .select_related("product")
        .first()
    )
    if running is not None:
        raise Conflict(
            f"{client.full_name} already has a membership ({running.product.name}): "
            "cancel it first, or start the new one after it ends.",
            code="has_membership",
            errors=[{"field": "client", "message": "Already a member."}],
        )
    months = INTERVAL_MONTHS[product.interval]
    period = period_from(
        starts_on, anchor_day=anchor_day, months=months, price_minor=product.price_minor
    )
    membership = Membership.objects.create(
        client=client,
        product=product,
        status=MembershipStatus.ACTIVE,
        price_minor=product.price_minor,
        currency=product.currency,
        interval=product.interval,
        anchor_day=anchor_day,
        started_on=starts_on,
        current_period_start=period.start,
        current_period_end=period.end,
        minimum_term_end=_months_later(starts_on, product.minimum_term_months)
        if product.minimum_term_months
        else None,
        renew_automatically=renew_automatically,
        created_by=actor,
    )
    lines = []
    if product.signup_fee_minor:
        lines.append(
            LineSpec(
                description=f"Sign-up fee: {product.name}",
                unit_price_minor=product.signup_fee_minor,
                product=product,
                tax_rate=product.tax_rate,
            )
        )
    lines.append(_period_line(membership, period, period.end))
    invoice = invoice_create(
        actor=actor if selectors.sees_money(actor) else None,
        client=client,
        lines=lines,
        currency=product.currency,
        promo_code=promo_code,
        membership=membership,
        issue=True,
    )
    audit_record(
        actor=actor,
        actor_label="" if actor else "billing",
        action="membership.start",
        target=membership,
        changes={
            "client": client.pk,
            "product": product.pk,
            "starts_on": str(starts_on),
            "anchor_day": anchor_day,
            "invoice": invoice.pk,
        },
    )
    return MembershipStarted(membership=membership, invoice=invoice)


@transaction.atomic
def membership_purchase_start(*, actor, client: Client, product: Product) -> MembershipStarted:
    """A client buys a plan in the portal: the membership waits for its first payment.

    Unlike a sale at the desk, booking rights start only when the first invoice is
    paid (membership_paid); an unpaid purchase is dropped after PENDING_DAYS days.
    """
    started = membership_start(actor=actor, client=client, product=product)
    membership = started.membership
    if started.invoice.status != InvoiceStatus.PAID:
        membership.status = MembershipStatus.PENDING
        membership.save(update_fields=["status", "updated_at"])
    return started


def membership_cancel_preview(membership: Membership, *, today: date | None = None) -> dict:
    """What cancelling at the end of a period would mean now, for the page that confirms it.

    `ends_on`: the last day covered; `refused`: why it cannot be cancelled now (the
    minimum term), else "".
    """
    ends_on, refusal = _end_of_notice(membership, today or timezone.localdate())
    return {"ends_on": ends_on, "refused": refusal or ""}


# --- Renewal -------------------------------------------------------------------------------------


def _due(today: date):
    return Membership.objects.filter(
        status__in=LIVE, renew_automatically=True, current_period_end__lte=today
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=F("current_period_end")))


def membership_renew(membership_id: int, *, today: date | None = None) -> Invoice | None:
    """Invoice the next period of one membership if it is due; None when nothing was due.

    1. Read the membership and work out its next period (pauses included).
    2. Claim it: UPDATE … WHERE current_period_end = the end just read. On
       PostgreSQL a second scheduler's UPDATE waits for the first to commit, then
       finds the end moved and changes no row, so it stops here.
    3. In the same transaction, create and issue the invoice; a charge of the
       saved card is queued with it, so it runs only once the period is committed.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        membership = (
            _due(today)
            .select_related("product__tax_rate", "client")
            .filter(pk=membership_id)
            .first()
        )
        if membership is None:
            return None
        start = membership.current_period_end
        period = period_from(
            start,
            anchor_day=membership.anchor_day,
            months=_months(membership),
            price_minor=membership.price_minor,
        )
        end = _with_pauses(membership, start, period.end)
        claimed = Membership.objects.filter(
            pk=membership.pk, status__in=LIVE, current_period_end=start
        ).update(current_period_start=start, current_period_end=end, updated_at=timezone.now())
        if claimed != 1:
            return None
        membership.current_period_start, membership.current_period_end = start, end
        invoice = invoice_create(
            actor=None,
            client=membership.client,
            lines=[_period_line(membership, period, end)],
            currency=membership.currency,
            membership=membership,
            issue=True,
        )
        audit_record(
            actor_label="billing",
            action="membership.renew",
            target=membership,
            changes={"period": [str(start), str(end)], "invoice": invoice.pk},
        )
        if invoice.status == InvoiceStatus.OPEN and can_charge_saved_card(membership.client_id):
            from fitnesscrm.billing.tasks import membership_renewal_charge

            membership_renewal_charge.enqueue(invoice_id=invoice.pk)
        return invoice


def memberships_renew(*, today: date | None = None, batch: int = 500) -> int:
    """The periodic job: invoice every period that has come due; returns how many."""
    today = today or timezone.localdate()
    renewed = 0
    for membership_id in list(_due(today).order_by("pk").values_list("pk", flat=True)[:batch]):
        for _ in range(MAX_CATCH_UP):
            try:
                invoice = membership_renew(membership_id, today=today)
            except ApplicationError as exc:
                # An archived client, say: the next run tries again, staff see the log.
                logger.warning(
                    "membership renewal refused",
                    extra={"membership": membership_id, "reason": exc.message},
                )
                break
            if invoice is None:
                break
            renewed += 1
    return renewed


def can_charge_saved_card(client_id: int) -> bool:
    """Stripe is set up and the client saved a card there."""
    try:
        from fitnesscrm.billing import stripe_gateway
    except ImportError:
        return False
    if not stripe_gateway.is_configured():
        return False
    return StripeCustomer.objects.filter(client_id=client_id).exclude(payment_method_id="").exists()


# --- Pauses --------------------------------------------------------------------------------------


@transaction.atomic
def membership_pause(
    *, actor, membership: Membership, starts_on: date, ends_on: date, reason: str = ""
) -> MembershipPause:
    """Freeze a membership from `starts_on` to `ends_on` (inclusive): no billing, no booking."""
    _require_staff(actor)
    membership = _locked(membership)
    today = timezone.localdate()
    if membership.status not in (
        MembershipStatus.ACTIVE,
        MembershipStatus.PAUSED,
        MembershipStatus.PAST_DUE,
    ):
        raise Conflict(
            f"A {membership.get_status_display().lower()} membership cannot be paused.",
            code="not_pausable",
        )
    if starts_on < today:
        raise _invalid("starts_on", "A pause cannot start in the past.")
    if starts_on < membership.started_on:
        raise _invalid("starts_on", "A pause cannot start before the membership.")
    if ends_on < starts_on:
        raise _invalid("ends_on", "The pause ends before it starts.")
    if (ends_on - starts_on).days + 1 > MAX_PAUSE_DAYS:
        raise _invalid("ends_on", f"A pause lasts at most {MAX_PAUSE_DAYS} days.")
    clash = membership.pauses.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if clash is not None:
        raise _invalid(
            "starts_on",
            f"This overlaps the pause from {clash.starts_on:%d %b %Y} to {clash.ends_on:%d %b %Y}.",
            "pause_overlap",
        )
    pause = MembershipPause.objects.create(
        membership=membership,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason[:200],
        created_by=actor,
    )
    _shift(membership, pause, _days(pause))
    if starts_on == today and membership.status == MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.PAUSED
    membership.save()
    audit_record(
        actor=actor,
        action="membership.pause",
        target=membership,
        changes={"from": str(starts_on), "until": str(ends_on), "reason": reason[:200]},
    )
    return pause


def _shift(membership: Membership, pause: MembershipPause, days: int) -> None:
    """Move the period end (and minimum term) by `days` if the pause falls in this period.

    A pause starting in a later period is counted when that period is renewed.
    """
    if pause.starts_on < membership.current_period_end:
        membership.current_period_end += timedelta(days=days)
    if membership.minimum_term_end and pause.starts_on < membership.minimum_term_end:
        membership.minimum_term_end += timedelta(days=days)


@transaction.atomic
def membership_resume(*, actor, membership: Membership) -> Membership:
    """End today's pause now (or take back a pause that has not started yet, if none runs)."""
    _require_staff(actor)
    membership = _locked(membership)
    today = timezone.localdate()
    pause = _pause_today(membership, today)
    if pause is None:
        pause = membership.pauses.filter(starts_on__gt=today).order_by("starts_on").first()
    if pause is None:
        raise Conflict("This membership has no pause to end.", code="not_paused")
    if pause.starts_on >= today:
        unused = _days(pause)
        _shift(membership, pause, -unused)
        pause.delete()
    else:
        unused = (pause.ends_on - today).days + 1
        _shift(membership, pause, -unused)
        pause.ends_on = today - timedelta(days=1)
        pause.save(update_fields=["ends_on"])
    if membership.status == MembershipStatus.PAUSED:
        membership.status = MembershipStatus.ACTIVE
    membership.save()
    audit_record(
        actor=actor,
        action="membership.resume",
        target=membership,
        changes={"days_given_back": unused},
    )
    return membership


# --- Cancellation and expiry ---------------------------------------------------------------------


def _end_after(membership: Membership, last_day_at_least: date) -> date:
    """The last day of the first period (from the current one on) ending on or after the date."""
    end = membership.current_period_end
    months = _months(membership)
    for _ in range(12 * 20):
        if end - timedelta(days=1) >= last_day_at_least:
            return end - timedelta(days=1)
        period = period_from(end, anchor_day=membership.anchor_day, months=months, price_minor=0)
        end = _with_pauses(membership, end, period.end)
    raise ApplicationError("The end of this membership is too far ahead.", code="too_far")


def _term_refusal(membership: Membership, ends_on: date) -> str | None:
    """Why a membership may not end on `ends_on` (inside its minimum term), or None."""
    term_end = membership.minimum_term_end
    if term_end is None or ends_on + timedelta(days=1) >= term_end:
        return None
    earliest = _end_after(membership, term_end - timedelta(days=1))
    return (
        f"The minimum term runs until {term_end - timedelta(days=1):%d %b %Y}: the "
        f"membership can end on {earliest:%d %b %Y} at the earliest."
    )


def _end_of_notice(membership: Membership, today: date) -> tuple[date, str | None]:
    """The last day if cancelled today at a period's end after the notice, and any refusal."""
    ends_on = _end_after(membership, today + timedelta(days=membership.product.notice_days))
    return ends_on, _term_refusal(membership, ends_on)


@transaction.atomic
def membership_cancel(
    *,
    actor,
    membership: Membership,
    immediately: bool = False,
    reason: str = "",
    override_minimum_term: bool = False,
) -> Membership:
    """Cancel at the end of a period after the notice, or (a manager) immediately.

    At the end: the membership runs, and is renewed, until the last day of the
    first period ending on or after today + the notice period. The minimum term
    holds unless a manager overrides it with a reason. Immediately: it ends today;
    a refund of the unused part is for staff to make from the invoice.
    """
    membership = _locked(membership)
    client = membership.client
    if actor is None or not (selectors.sees_money(actor) or _acts_for_self(actor, client)):
        raise Forbidden("Only owners, managers and the front desk handle memberships.")
    if (immediately or override_minimum_term) and not _is_manager(actor):
        raise Forbidden("Only owners and managers can end a membership early.")
    if (immediately or override_minimum_term) and not reason.strip():
        raise _invalid("reason", "Say why the membership ends early.")
    if membership.status in (MembershipStatus.CANCELLED, MembershipStatus.ENDED):
        raise Conflict(
            f"This membership is already {membership.get_status_display().lower()}.",
            code="already_cancelled",
        )
    today = timezone.localdate()
    if immediately:
        ends_on, refusal = max(today, membership.started_on), _term_refusal(membership, today)
    else:
        ends_on, refusal = _end_of_notice(membership, today)
    if refusal and not override_minimum_term:
        raise ApplicationError(
            refusal + " A manager can waive the minimum term with a reason.",
            code="minimum_term",
            errors=[{"field": "immediately", "message": "Within the minimum term."}],
        )
    before = membership.status
    membership.status = MembershipStatus.ENDED if immediately else MembershipStatus.CANCELLED
    membership.ends_on = ends_on
    membership.cancelled_at = timezone.now()
    membership.cancel_reason = reason.strip()[:200]
    membership.save()
    audit_record(
        actor=actor,
        action="membership.cancel",
        target=membership,
        changes={
            "status": [before, membership.status],
            "ends_on": str(ends_on),
            "immediately": immediately,
            "minimum_term_waived": bool(override_minimum_term and refusal),
            "reason": membership.cancel_reason,
        },
    )
    return membership


def memberships_expire(*, today: date | None = None) -> int:
    """The daily job: end what has run out, and keep paused/active in step with the pauses.

    Ended: a cancelled membership after its last day, and one that does not renew
    automatically once its period is over. Returns how many ended.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    ended = 0
    with transaction.atomic():
        for membership in Membership.objects.select_for_update().filter(
            status__in=LIVE, ends_on__lt=today
        ):
            membership.status = MembershipStatus.ENDED
            membership.save(update_fields=["status", "updated_at"])
            audit_record(actor_label="billing", action="membership.expire", target=membership)
            ended += 1
    with transaction.atomic():
        for membership in Membership.objects.select_for_update().filter(
            status__in=LIVE, ends_on__isnull=True, renew_automatically=False,
            current_period_end__lte=today,
        ):  # fmt: skip
            membership.status = MembershipStatus.ENDED
            membership.ends_on = membership.current_period_end - timedelta(days=1)
            membership.cancelled_at = membership.cancelled_at or now
            membership.save(update_fields=["status", "ends_on", "cancelled_at", "updated_at"])
            audit_record(actor_label="billing", action="membership.expire", target=membership)
            ended += 1
    ended += _drop_unpaid_purchases(now)
    paused_today = MembershipPause.objects.filter(starts_on__lte=today, ends_on__gte=today)
    Membership.objects.filter(status=MembershipStatus.ACTIVE, pauses__in=paused_today).update(
        status=MembershipStatus.PAUSED, updated_at=now
    )
    Membership.objects.filter(status=MembershipStatus.PAUSED).exclude(
        pauses__in=paused_today
    ).update(status=MembershipStatus.ACTIVE, updated_at=now)
    return ended


def _drop_unpaid_purchases(now) -> int:
    """Online purchases whose first invoice was not paid in PENDING_DAYS: ended, invoice void."""
    dropped = 0
    cutoff = now - timedelta(days=PENDING_DAYS)
    with transaction.atomic():
        for membership in Membership.objects.select_for_update().filter(
            status=MembershipStatus.PENDING, created_at__lt=cutoff
        ):
            Invoice.objects.filter(
                membership=membership, status=InvoiceStatus.OPEN, amount_paid_minor=0
            ).update(status=InvoiceStatus.VOID, voided_at=now, next_attempt_at=None)
            membership.status = MembershipStatus.ENDED
            membership.ends_on = membership.started_on
            membership.save(update_fields=["status", "ends_on", "updated_at"])
            audit_record(
                actor_label="billing",
                action="membership.drop_unpaid",
                target=membership,
                changes={"days": PENDING_DAYS},
            )
            dropped += 1
    return dropped


# --- When an invoice is paid ---------------------------------------------------------------------


def membership_paid(invoice: Invoice) -> None:
    """PAID_HOOKS: a bought plan starts, or a past-due membership is in good standing again."""
    if not invoice.membership_id:
        return
    membership = Membership.objects.select_for_update().get(pk=invoice.membership_id)
    if membership.status == MembershipStatus.PENDING:
        membership.status = _status_on(membership, timezone.localdate())
        membership.save(update_fields=["status", "updated_at"])
        audit_record(
            actor_label="billing",
            action="membership.paid_start",
            target=membership,
            changes={"status": [MembershipStatus.PENDING, membership.status]},
        )
        return
    if membership.status != MembershipStatus.PAST_DUE:
        return
    still_failing = (
        Invoice.objects.filter(
            membership=membership, status=InvoiceStatus.OPEN, failed_attempts__gt=0
        )
        .exclude(pk=invoice.pk)
        .exists()
    )
    if still_failing:
        return
    membership.status = _status_on(membership, timezone.localdate())
    membership.save(update_fields=["status", "updated_at"])
    audit_record(
        actor_label="billing",
        action="membership.reactivate",
        target=membership,
        changes={"status": [MembershipStatus.PAST_DUE, membership.status], "invoice": invoice.pk},
    )
