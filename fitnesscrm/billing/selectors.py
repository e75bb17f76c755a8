"""Reads of money, already scoped to what the acting user may see.

- Owners and managers see every invoice, payment, refund and report.
- The front desk sees invoices and payments (to take payments and answer clients),
  not the revenue reports.
- A trainer sees no money: only whether their own clients' memberships are active.
- A client sees their own memberships, credits, invoices, payments and refunds.
"""

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from fitnesscrm.billing.models import (
    CreditGrant,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Membership,
    MembershipPause,
    MembershipStatus,
    Payment,
    Product,
    Refund,
)
from fitnesscrm.clients.selectors import client_of_user, visible_clients
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import CLIENT_DESK_ROLES, role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role


def sees_money(user) -> bool:
    """Invoices and payments: owners, managers and the front desk."""
    return role_of(user) in CLIENT_DESK_ROLES


def sees_revenue(user) -> bool:
    """Revenue reports and settings: owners and managers."""
    return role_of(user) in MANAGEMENT_ROLES


def _own_client_id(user) -> int | None:
    own = client_of_user(user) if role_of(user) == Role.CLIENT else None
    return own.pk if own else None


def visible_invoices(user) -> QuerySet[Invoice]:
    if sees_money(user):
        return Invoice.objects.all()
    client_id = _own_client_id(user)
    if client_id is None:
        return Invoice.objects.none()
    # A client never sees drafts: they are not theirs to pay yet.
    return Invoice.objects.filter(client_id=client_id).exclude(status=InvoiceStatus.DRAFT)


def invoice_get(*, user, invoice_id) -> Invoice:
    try:
        return (
            visible_invoices(user)
            .select_related("client", "membership__product")
            .get(pk=invoice_id)
        )
    except (Invoice.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such invoice.") from exc


def visible_payments(user) -> QuerySet[Payment]:
    if sees_money(user):
        return Payment.objects.all()
    client_id = _own_client_id(user)
    return Payment.objects.filter(client_id=client_id) if client_id else Payment.objects.none()


def payment_get(*, user, payment_id) -> Payment:
    try:
        return visible_payments(user).select_related("invoice", "client").get(pk=payment_id)
    except (Payment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such payment.") from exc


def visible_refunds(user) -> QuerySet[Refund]:
    if sees_money(user):
        return Refund.objects.all()
    client_id = _own_client_id(user)
    if client_id is None:
        return Refund.objects.none()
    return Refund.objects.filter(payment__client_id=client_id)


def visible_credit_notes(user) -> QuerySet[CreditNote]:
    if sees_money(user):
        return CreditNote.objects.all()
    client_id = _own_client_id(user)
    if client_id is None:
        return CreditNote.objects.none()
    return CreditNote.objects.filter(invoice__client_id=client_id)


def visible_memberships(user) -> QuerySet[Membership]:
    """Memberships: all for the desk and managers, their clients' for a trainer, own for a client.

    A trainer may read a membership's product and status (to know whether a client
    is a member); the pages and the API show them no amounts.
    """
    role = role_of(user)
    if role in CLIENT_DESK_ROLES:
        return Membership.objects.all()
    if role == Role.TRAINER:
        return Membership.objects.filter(client__in=visible_clients(user))
    client_id = _own_client_id(user)
    return (
        Membership.objects.filter(client_id=client_id) if client_id else Membership.objects.none()
    )


def membership_get(*, user, membership_id) -> Membership:
    try:
        return visible_memberships(user).select_related("client", "product").get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such membership.") from exc


def products_on_sale() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).select_related("tax_rate")


def active_membership(client_id: int, *, on=None) -> Membership | None:
    """The membership that gives `client_id` booking rights on a day, if any.

    Active, or cancelled but still in its paid period; not paused on that day, not
    past due (when the owner blocks bookings after a failed payment).
    """
    from fitnesscrm.billing.models import BillingSettings

    day = on or timezone.localdate()
    statuses = [MembershipStatus.ACTIVE, MembershipStatus.CANCELLED]
    if not BillingSettings.load().block_booking_when_past_due:
        statuses.append(MembershipStatus.PAST_DUE)
    return (
        Membership.objects.filter(
            client_id=client_id,
            status__in=statuses,
            started_on__lte=day,
        )
        .exclude(ends_on__lt=day)
        # One pause that covers the day (not a start of one pause and the end of another).
        .exclude(
            Exists(
                MembershipPause.objects.filter(
                    membership=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day
                )
            )
        )
        .order_by("-started_on")
        .first()
    )


def credits_available(client_id: int, *, on=None) -> int:
    day = on or timezone.localdate()
    total = (
        CreditGrant.objects.filter(client_id=client_id, remaining__gt=0)
        .exclude(expires_on__lt=day)
        .aggregate(n=Sum("remaining"))["n"]
    )
    return total or 0
