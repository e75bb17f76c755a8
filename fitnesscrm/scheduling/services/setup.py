"""What the schedule is built from: locations, rooms, class types, and the owner's policy.

Owners and managers set these up; everyone on the staff reads them.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.db.models.functions import Lower

from fitnesscrm.core.audit import audit_record, field_changes
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.permissions import manages_staff
from fitnesscrm.scheduling.models import Access, ClassType, Location, Room, SchedulingSettings

MAX_REMINDERS = 5
# A reminder is sent at most two weeks before the session.
MAX_REMINDER_MINUTES = 14 * 24 * 60


def _require_manager(actor) -> None:
    if not manages_staff(actor):
        raise Forbidden("Only owners and managers change the schedule's setup.")


def _full_clean(instance: Model, fields: list[str]) -> None:
    """Model validation of the given fields, as one ApplicationError naming each bad field."""
    try:
        instance.full_clean(
            exclude=[f.name for f in instance._meta.fields if f.name not in fields],
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors = [
            {"field": name, "message": messages[0]} for name, messages in exc.message_dict.items()
        ]
        raise ApplicationError(
            errors[0]["message"] if len(errors) == 1 else "Some fields are not valid.",
            code="invalid",
            errors=errors,
        ) from exc


def _save_unique(instance: Model, *, field: str, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise Conflict(
            message, code="duplicate", errors=[{"field": field, "message": message}]
        ) from exc


def _update(actor, instance: Model, fields: dict, *, action: str, unique_message: str):
    _require_manager(actor)
    before = {name: getattr(instance, name) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    _full_clean(instance, list(fields))
    changes = field_changes(instance, before, list(fields))
    if not changes:
        return instance
    _save_unique(instance, field="name", message=unique_message)
    audit_record(actor=actor, action=action, target=instance, changes=changes)
    return instance


@transaction.atomic
def location_create(*, actor, name: str, address: str = "") -> Location:
    _require_manager(actor)
    location = Location(name=name.strip(), address=address.strip())
    _full_clean(location, ["name", "address"])
    if Location.objects.filter(name__iexact=location.name).exists():
        raise Conflict(
            "A location with this name exists.",
            code="duplicate",
            errors=[{"field": "name", "message": "A location with this name exists."}],
        )
    _save_unique(location, field="name", message="A location with this name exists.")
    audit_record(actor=actor, action="location.create", target=location)
    return location


@transaction.atomic
def location_update(*, actor, location: Location, **fields) -> Location:
    allowed = {"name", "address", "is_active"}
    if set(fields) - allowed:
        raise TypeError(f"cannot change {set(fields) - allowed}")
    return _update(
        actor,
        location,
        fields,
        action="location.update",
        unique_message="A location with this name exists.",
    )


@transaction.atomic
def room_create(*, actor, location: Location, name: str, capacity: int) -> Room:
    _require_manager(actor)
    room = Room(location=location, name=name.strip(), capacity=capacity)
    _full_clean(room, ["name", "capacity"])
    if Room.objects.filter(location=location, name__iexact=room.name).exists():
        raise Conflict(
            "This location already has a room with this name.",
            code="duplicate",
            errors=[
                {"field": "name", "message": "This location already has a room with this name."}
            ],
        )
    _save_unique(room, field="name", message="This location already has a room with this name.")
    audit_record(actor=actor, action="room.create", target=room)
    return room


@transaction.atomic
def room_update(*, actor, room: Room, **fields) -> Room:
    allowed = {"name", "capacity", "is_active"}
    if set(fields) - allowed:
        raise TypeError(f"cannot change {set(fields) - allowed}")
    return _update(
        actor,
        room,
        fields,
        action="room.update",
        unique_message="This location already has a room with this name.",
    )


@transaction.atomic
def class_type_create(
    *,
    actor,
    name: str,
    duration_minutes: int = 60,
    capacity: int = 12,
    colour: str = "#3d6bb3",
    description: str = "",
    access: str = Access.OPEN,
) -> ClassType:
    _require_manager(actor)
    class_type = ClassType(
        name=name.strip(),
        duration_minutes=duration_minutes,
        capacity=capacity,
        colour=colour,
        description=description.strip(),
        access=access,
    )
    _full_clean(
        class_type, ["name", "duration_minutes", "capacity", "colour", "description", "access"]
    )
    if ClassType.objects.annotate(n=Lower("name")).filter(n=class_type.name.lower()).exists():
        raise Conflict(
            "A class type with this name exists.",
            code="duplicate",
            errors=[{"field": "name", "message": "A class type with this name exists."}],
        )
    _save_unique(class_type, field="name", message="A class type with this name exists.")
    audit_record(actor=actor, action="class_type.create", target=class_type)
    return class_type


@transaction.atomic
def class_type_update(*, actor, class_type: ClassType, **fields) -> ClassType:
    allowed = {
        "name", "duration_minutes", "capacity", "colour", "description", "access", "is_active",
    }  # fmt: skip
    if set(fields) - allowed:
        raise TypeError(f"cannot change {set(fields) - allowed}")
    return _update(
        actor,
        class_type,
        fields,
        action="class_type.update",
        unique_message="A class type with this name exists.",
    )


@transaction.atomic
def scheduling_settings_update(
    *,
    actor,
    late_cancel_hours: int | None = None,
    reminder_offsets: list[int] | None = None,
    client_booking_days: int | None = None,
    self_booking_notice_hours: int | None = None,
    self_booking_minutes: int | None = None,
) -> SchedulingSettings:
    """The owner's policy; reminder offsets are minutes before the start (at most five)."""
    from fitnesscrm.core.permissions import role_of
    from fitnesscrm.core.roles import Role

    if role_of(actor) != Role.OWNER:
        raise Forbidden("Only the owner changes the scheduling policy.")
    policy = SchedulingSettings.objects.select_for_update().get(pk=SchedulingSettings.load().pk)
    values = {
        "late_cancel_hours": late_cancel_hours,
        "client_booking_days": client_booking_days,
        "self_booking_notice_hours": self_booking_notice_hours,
        "self_booking_minutes": self_booking_minutes,
    }
    values = {name: value for name, value in values.items() if value is not None}
    if reminder_offsets is not None:
        offsets = sorted({int(m) for m in reminder_offsets}, reverse=True)
        if len(offsets) > MAX_REMINDERS or any(m < 1 or m > MAX_REMINDER_MINUTES for m in offsets):
            message = (
                f"Up to {MAX_REMINDERS} reminders, each between 1 minute and 14 days "
                "before the start."
            )
            raise ApplicationError(
                message, code="invalid", errors=[{"field": "reminder_offsets", "message": message}]
            )
        values["reminder_offsets"] = offsets
    before = {name: getattr(policy, name) for name in values}
    for name, value in values.items():
        setattr(policy, name, value)
    _full_clean(policy, [n for n in values if n != "reminder_offsets"])
    changes = field_changes(policy, before, list(values))
    if changes:
        policy.save()
        audit_record(
            actor=actor, action="scheduling_settings.update", target=policy, changes=changes
        )
    return policy
