"""The helper every service calls to record what it did."""

import logging

from django.db import models

from fitnesscrm.core import context
from fitnesscrm.core.models import AuditEntry

logger = logging.getLogger(__name__)


def audit_record(
    *,
    actor=None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict | None = None,
    actor_label: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Write one audit entry in the caller's transaction.

    `changes` maps a field name to `[old, new]` (or to a short note); callers
    list the names of health fields but never their values. The client address
    and request id come from the request being served, when there is one.
    """
    ctx = context.current()
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_label = object_label or str(target)[:200]
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry.objects.create(
        actor=actor,
        actor_label=(actor_label or (actor.email if actor is not None else ""))[:254],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label[:200],
        changes=changes or {},
        ip=ip if ip is not None else ctx.ip,
        request_id=ctx.request_id if ctx.request_id != "-" else "",
    )
    logger.info("audit %s by %s on %s:%s", action, entry.actor_id, object_type, object_id)
    return entry


def field_changes(instance: models.Model, before: dict, fields: list[str]) -> dict:
    """`{field: [old, new]}` for the listed fields whose value differs from `before`."""
    changed = {}
    for name in fields:
        new = getattr(instance, name)
        if before.get(name) != new:
            changed[name] = [_plain(before.get(name)), _plain(new)]
    return changed


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
