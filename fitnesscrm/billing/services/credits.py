"""Class credits: granted when a pack, drop-in or trial is paid, spent by bookings of paid classes.

A class whose type is for members (ClassType.access "paid") can be booked by a
client with a membership giving booking rights on the class's day, or with a credit
valid on that day. A member books without spending anything; anyone else spends
one credit from the grant that expires first, taken under a row lock on the
client's grants so two bookings at once cannot spend the same credit. A timely
cancellation (or the gym cancelling the class) gives the credit back; a late cancel
or a no-show does not. A waitlisted booking spends its credit only when it gets a
seat; a client with nothing left then is passed over and told.

At every moment, for every grant: credits = remaining + uses not returned.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import CreditGrant, CreditUse, Invoice, ProductKind
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.scheduling.models import Access, Booking, BookingStatus

NEEDS_CREDIT = "This class is for members or with a class credit: buy a pack or a membership."
CREDIT_KINDS = (ProductKind.PACK, ProductKind.DROP_IN, ProductKind.TRIAL)


def credits_for(product) -> int:
    """Credits one unit of `product` grants (a drop-in is one class even if not filled in)."""
    if product.kind == ProductKind.DROP_IN:
        return max(product.credits, 1)
    return product.credits


def _session_day(booking: Booking) -> date:
    return timezone.localtime(booking.session.starts_at).date()


def _is_paid_class(booking: Booking) -> bool:
    class_type = booking.session.class_type
    return class_type is not None and class_type.access == Access.PAID


def _usable_grants(client_id: int, day: date) -> list[CreditGrant]:
    """The client's grants still valid on `day`, locked, the one expiring first first.

    Every usable grant is locked (not just the first): on PostgreSQL a `LIMIT 1 FOR
    UPDATE` can come back empty after waiting for a grant another booking emptied.
    """
    grants = (
        CreditGrant.objects.select_for_update()
        .filter(client_id=client_id, remaining__gt=0)
        .exclude(expires_on__lt=day)
        .order_by(F("expires_on").asc(nulls_last=True), "created_at", "id")
    )
    return [grant for grant in grants if grant.remaining > 0]


def credit_use(booking: Booking) -> CreditUse:
    """Spend one credit on `booking`, or refuse with the reason."""
    grants = _usable_grants(booking.client_id, _session_day(booking))
    if not grants:
        raise ApplicationError(
            NEEDS_CREDIT,
            code="needs_credit",
            errors=[{"field": "client", "message": NEEDS_CREDIT}],
        )
    grant = grants[0]
    CreditGrant.objects.filter(pk=grant.pk).update(remaining=F("remaining") - 1)
    use = CreditUse.objects.create(grant=grant, booking=booking)
    audit_record(
        actor=None,
        actor_label="billing",
        action="credit.use",
        target=use,
        changes={"grant": grant.pk, "booking": booking.pk},
    )
    return use


def credit_return(booking: Booking) -> CreditUse | None:
    """Give back the credit a booking spent, if it spent one (and only once)."""
    use = (
        CreditUse.objects.select_for_update()
        .filter(booking=booking, returned_at__isnull=True)
        .first()
    )
    if use is None:
        return None
    use.returned_at = timezone.now()
    use.save(update_fields=["returned_at"])
    CreditGrant.objects.filter(pk=use.grant_id).update(remaining=F("remaining") + 1)
    audit_record(
        actor=None,
        actor_label="billing",
        action="credit.return",
        target=use,
        changes={"grant": use.grant_id, "booking": booking.pk},
    )
    return use


def _require_rights(booking: Booking) -> bool:
    """True when the client is a member on the class's day; refuses when they have nothing."""
    day = _session_day(booking)
    if selectors.active_membership(booking.client_id, on=day) is not None:
        return True
    if selectors.credits_available(booking.client_id, on=day) <= 0:
        raise ApplicationError(
            NEEDS_CREDIT,
            code="needs_credit",
            errors=[{"field": "client", "message": NEEDS_CREDIT}],
        )
    return False


def booking_hook(booking: Booking, event: str) -> None:
    """Registered in scheduling's BOOKING_HOOKS (billing/apps.py)."""
    from fitnesscrm.scheduling.services import bookings

    if event == bookings.CANCEL:
        if booking.status == BookingStatus.CANCELLED:
            credit_return(booking)
        return
    if not _is_paid_class(booking):
        return
    if event == bookings.WAITLIST:
        _require_rights(booking)
    elif event in (bookings.BOOK, bookings.PROMOTE):
        if not _require_rights(booking):
            credit_use(booking)
    elif event == bookings.PASSED_OVER:
        from fitnesscrm.billing.tasks import send_waitlist_passed_over_email

        send_waitlist_passed_over_email.enqueue(booking_id=booking.pk)


def grant_credits_paid(invoice: Invoice) -> list[CreditGrant]:
    """PAID_HOOKS: each paid line of a pack, drop-in or trial grants its credits (once)."""
    granted = []
    today = timezone.localdate()
    lines = invoice.lines.select_related("product").filter(
        product__kind__in=CREDIT_KINDS, credit_grant__isnull=True
    )
    for line in lines:
        count = credits_for(line.product) * line.quantity
        if count <= 0:
            continue
        days = line.product.credit_days
        grant = CreditGrant.objects.create(
            client_id=invoice.client_id,
            product=line.product,
            invoice_line=line,
            credits=count,
            remaining=count,
            expires_on=today + timedelta(days=days) if days else None,
        )
        audit_record(
            actor=None,
            actor_label="billing",
            action="credit.grant",
            target=grant,
            changes={"invoice": invoice.pk, "credits": count, "expires_on": str(grant.expires_on)},
        )
        granted.append(grant)
    return granted


@transaction.atomic
def credit_grant_manual(*, actor, client, credits: int, expires_on: date | None, reason: str):
    """Credits given by a manager without a sale (a goodwill class, a correction)."""
    from fitnesscrm.billing.services.invoices import _invalid, require_manager

    require_manager(actor)
    if credits < 1 or credits > 1000:
        raise _invalid("credits", "Give between 1 and 1000 credits.")
    if expires_on is not None and expires_on < timezone.localdate():
        raise _invalid("expires_on", "The expiry date is in the past.")
    if not reason.strip():
        raise _invalid("reason", "Say why the credits are given.")
    grant = CreditGrant.objects.create(
        client=client, credits=credits, remaining=credits, expires_on=expires_on
    )
    audit_record(
        actor=actor,
        action="credit.grant",
        target=grant,
        changes={"client": client.pk, "credits": credits, "reason": reason[:200]},
    )
    return grant
