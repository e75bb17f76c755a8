"""Reads of memberships and credits for pages and the API, scoped to the acting user."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import CreditGrant, CreditUse, Membership, MembershipPause
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role


def client_memberships(*, user, client_id: int) -> QuerySet[Membership]:
    """A client's memberships, newest first, with their plan and pauses (trainers: no amounts)."""
    return (
        selectors.visible_memberships(user)
        .filter(client_id=client_id)
        .select_related("product")
        .prefetch_related(
            Prefetch("pauses", queryset=MembershipPause.objects.order_by("starts_on"))
        )
        .order_by("-started_on", "-id")
    )


def _sees_credits(user, client_id: int) -> bool:
    """Credits are money: the money staff see everyone's, a client their own."""
    if selectors.sees_money(user):
        return True
    if role_of(user) == Role.CLIENT:
        own = client_of_user(user)
        return own is not None and own.pk == client_id
    return False


def client_credit_grants(
    *, user, client_id: int, include_spent: bool = False
) -> QuerySet[CreditGrant]:
    """A client's credits: usable ones by default, the one expiring first first."""
    if not _sees_credits(user, client_id):
        return CreditGrant.objects.none()
    grants = CreditGrant.objects.filter(client_id=client_id).select_related("product")
    if not include_spent:
        grants = grants.filter(remaining__gt=0).exclude(expires_on__lt=timezone.localdate())
    return grants.order_by("expires_on", "created_at", "id")


def credit_uses(*, user, client_id: int) -> QuerySet[CreditUse]:
    """Which bookings spent a client's credits, newest first."""
    if not _sees_credits(user, client_id):
        return CreditUse.objects.none()
    return (
        CreditUse.objects.filter(grant__client_id=client_id)
        .select_related("booking__session", "grant__product")
        .order_by("-used_at", "-id")
    )


@dataclass(frozen=True)
class BookingAccess:
    """What lets a client book a class for members on a day: a membership, credits, or nothing."""

    membership: Membership | None
    credits: int

    @property
    def allowed(self) -> bool:
        return self.membership is not None or self.credits > 0


def booking_access(*, user, client_id: int, on: date | None = None) -> BookingAccess | None:
    """None when the user may not know; trainers see whether their clients are members."""
    if not (selectors.visible_memberships(user).filter(client_id=client_id).exists()
            or _sees_credits(user, client_id)):  # fmt: skip
        return None
    membership = selectors.active_membership(client_id, on=on)
    credits = selectors.credits_available(client_id, on=on) if _sees_credits(user, client_id) else 0
    return BookingAccess(membership=membership, credits=credits)
