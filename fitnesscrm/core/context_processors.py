"""What every page needs: the site name and the navigation for the user's role."""

from django.conf import settings
from django.urls import reverse

from fitnesscrm.core.permissions import (
    CLIENT_DESK_ROLES,
    can_manage_api_keys,
    can_view_audit_log,
    is_staff_member,
    manages_staff,
    role_of,
)
from fitnesscrm.core.roles import HOME_URL_NAMES, MANAGEMENT_ROLES, STAFF_ROLES, Role


def _link(label: str, url_name: str, name: str) -> list[dict]:
    return [{"label": label, "url": reverse(url_name), "name": name}]


def navigation(user) -> list[dict]:
    role = role_of(user)
    if role is None:
        return []
    items = [{"label": "Home", "url": reverse(HOME_URL_NAMES[role]), "name": "home"}]
    if is_staff_member(user):
        items += _link("Schedule", "scheduling:calendar", "schedule")
        items += _link("Clients", "clients:list", "clients")
        items += _link("Leads", "clients:leads", "leads")
        items += _link("Tasks", "clients:tasks", "tasks")
        items += _link("Trainers", "trainers:list", "trainers")
    items += _link("Billing", "billing:invoices", "billing") if role in CLIENT_DESK_ROLES else []
    if role in MANAGEMENT_ROLES or role == Role.TRAINER:  # who coaches (training.access)
        # The exercise library and adherence are reached from the programs page.
        items += _link("Training", "programs:list", "programs")
    if role == Role.TRAINER:
        items += _link("Availability", "availability:index", "availability")
    if manages_staff(user):
        items += _link("Staff", "trainers:staff", "staff")
    if role == Role.CLIENT:
        items += _link("Classes", "portal-schedule:timetable", "classes")
        items += _link("My bookings", "portal-schedule:bookings", "bookings")
        items += _link("Training", "portal-training:today", "training")
        items += _link("Progress", "portal-progress:index", "progress")
        items += _link("Membership", "billing-portal:index", "billing")
        items += _link("My profile", "clients:portal-profile", "profile")
    if can_view_audit_log(user):
        items.append({"label": "Audit log", "url": reverse("audit-log"), "name": "audit"})
    return items


def account_menu(user) -> list[dict]:
    """Links of the user menu (beside the avatar), above "Change password"."""
    items = []
    if role_of(user) in (Role.OWNER, Role.MANAGER, Role.TRAINER):
        items += _link("Working hours and time off", "availability:index", "availability")
    if manages_staff(user):
        items += _link("Data-protection requests", "privacy:requests", "privacy-requests")
    if role_of(user) == Role.CLIENT:
        items += _link("My data and privacy", "portal-privacy:index", "privacy")
    if manages_staff(user):
        items += _link("Units for measurements", "progress:settings", "progress-settings")
    if role_of(user) in STAFF_ROLES:
        items += _link("Two-factor authentication", "accounts:two-factor", "two-factor")
    if role_of(user) == Role.OWNER:
        items += _link("Security settings", "accounts:security", "security")
    if can_manage_api_keys(user):
        items.append({"label": "API keys", "url": reverse("accounts:api-keys"), "name": "api-keys"})
        items.append({"label": "API docs", "url": "/api/v1/docs", "name": "api-docs"})
    return items


def _mark_current(items: list[dict], path: str) -> list[dict]:
    """The item whose address is the longest prefix of `path` is the current one."""
    matches = [item for item in items if path == item["url"] or (
        item["name"] != "home" and path.startswith(item["url"])
    )]  # fmt: skip
    current = max(matches, key=lambda item: len(item["url"]), default=None)
    for item in items:
        item["current"] = item is current
    return items


def shell(request) -> dict:
    user = getattr(request, "user", None)
    items = navigation(user) if user is not None else []
    return {
        "product_name": settings.SITE_NAME,
        "nav_items": _mark_current(items, request.path),
        "account_items": account_menu(user) if user is not None else [],
    }
