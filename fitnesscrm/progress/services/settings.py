"""The business's unit system for progress (metric or imperial): owners and managers only."""

from django.db import transaction

from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Forbidden
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES
from fitnesscrm.progress.models import ProgressSettings, UnitSystem


def can_change_progress_settings(user) -> bool:
    return role_of(user) in MANAGEMENT_ROLES


@transaction.atomic
def progress_settings_update(*, actor, unit_system: str) -> ProgressSettings:
    """Switch between metric and imperial; stored values stay metric, only display changes."""
    if not can_change_progress_settings(actor):
        raise Forbidden("Only owners and managers change the unit system.")
    if unit_system not in UnitSystem.values:
        message = f"Choose one of: {', '.join(UnitSystem.values)}."
        raise ApplicationError(
            message, code="invalid", errors=[{"field": "unit_system", "message": message}]
        )
    row = ProgressSettings.load()
    row = ProgressSettings.objects.select_for_update().get(pk=row.pk)
    if row.unit_system != unit_system:
        old = row.unit_system
        row.unit_system = unit_system
        row.save(update_fields=["unit_system", "updated_at"])
        audit_record(
            actor=actor,
            action="progress.settings",
            target=row,
            changes={"unit_system": [old, unit_system]},
        )
    return row
