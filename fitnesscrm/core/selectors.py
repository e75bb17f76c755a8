"""Reads of shared data, scoped to what the acting user may see."""

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from fitnesscrm.core.errors import Forbidden
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.permissions import can_view_audit_log


def audit_entry_list(
    *,
    user,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries for owners and managers, filtered; newest first."""
    if not can_view_audit_log(user):
        raise Forbidden("Only owners and managers can read the audit log.")
    entries = AuditEntry.objects.select_related("actor")
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if object_type:
        entries = entries.filter(object_type=object_type)
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(created_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        entries = entries.filter(created_at__lte=datetime.combine(date_to, time.max, tz))
    return entries.order_by("-created_at", "-id")


def audit_action_choices() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
