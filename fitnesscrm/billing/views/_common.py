"""What the billing pages share: the roles they admit, finding a record or a 404, PDF answers."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse

from fitnesscrm.billing import selectors
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import CLIENT_DESK_ROLES, role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, STAFF_ROLES, Role

MONEY = tuple(CLIENT_DESK_ROLES)
MANAGEMENT = tuple(MANAGEMENT_ROLES)
STAFF = tuple(STAFF_ROLES)
PER_PAGE = 50


def invoice_or_404(request: HttpRequest, invoice_id: int):
    try:
        return selectors.invoice_get(user=request.user, invoice_id=invoice_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def payment_or_404(request: HttpRequest, payment_id: int):
    try:
        return selectors.payment_get(user=request.user, payment_id=payment_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def is_manager(user) -> bool:
    return role_of(user) in MANAGEMENT_ROLES


def require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only owners and managers can do this.")


def is_owner(user) -> bool:
    return role_of(user) == Role.OWNER


def tabs(user, current: str) -> list[dict]:
    """The billing pages' tabs: setup tabs only for owners and managers."""
    items = [("Invoices", "billing:invoices", "invoices")] if selectors.sees_money(user) else []
    items.append(("Memberships", "billing:memberships", "memberships"))
    if is_manager(user):
        items += [
            ("Revenue", "revenue:index", "revenue"),
            ("Products", "billing:products", "products"),
            ("Tax rates", "billing:tax-rates", "tax-rates"),
            ("Promo codes", "billing:promo-codes", "promo-codes"),
            ("Settings", "billing:settings", "settings"),
        ]
    return [
        {"label": label, "url": reverse(name), "current": key == current}
        for label, name, key in items
    ]
