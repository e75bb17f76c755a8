"""A trainer or a room in two sessions at once: found before writing, and caught if a race slips by.

On PostgreSQL the exclusion constraints of migration 0002 refuse the second of two
overlapping sessions even when two requests check at the same moment; the check
here runs first on every database, so that the refusal names what collides.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from fitnesscrm.core.errors import Conflict
from fitnesscrm.scheduling.models import Session, SessionStatus, TimeOff

EXCLUSION_CONSTRAINTS = ("session_trainer_no_overlap", "session_room_no_overlap")


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M")


def _until(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def collisions(
    *,
    trainer_id: int,
    room_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    exclude_ids: Iterable[int] = (),
) -> list[dict]:
    """What a session of this trainer and room at this time would collide with.

    Each item names the field ("trainer" or "room"), a message, and the other
    session (or time off) by id and time, for the page and for the API's 409.
    """
    overlapping = (
        Session.objects.overlapping(starts_at, ends_at)
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(pk__in=list(exclude_ids))
        .select_related("trainer__user", "room")
    )
    found = []
    for other in overlapping.filter(trainer_id=trainer_id).order_by("starts_at")[:5]:
        found.append(
            {
                "field": "trainer",
                "message": (
                    f"{other.trainer.name} already has “{other.title}” on "
                    f"{_local(other.starts_at)} to {_until(other.ends_at)}."
                ),
                "session_id": other.pk,
                "starts_at": other.starts_at.isoformat(),
                "ends_at": other.ends_at.isoformat(),
            }
        )
    if room_id is not None:
        for other in overlapping.filter(room_id=room_id).order_by("starts_at")[:5]:
            found.append(
                {
                    "field": "room",
                    "message": (
                        f"{other.room.name} is taken by “{other.title}” on "
                        f"{_local(other.starts_at)} to {_until(other.ends_at)}."
                    ),
                    "session_id": other.pk,
                    "starts_at": other.starts_at.isoformat(),
                    "ends_at": other.ends_at.isoformat(),
                }
            )
    away = TimeOff.objects.filter(
        trainer_id=trainer_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).order_by("starts_at")[:1]
    for off in away:
        found.append(
            {
                "field": "trainer",
                "message": (
                    f"The trainer is away ({off.reason or 'time off'}) from "
                    f"{_local(off.starts_at)} to {_local(off.ends_at)}."
                ),
                "time_off_id": off.pk,
                "starts_at": off.starts_at.isoformat(),
                "ends_at": off.ends_at.isoformat(),
            }
        )
    return found


def conflict_error(found: list[dict]) -> Conflict:
    message = found[0]["message"]
    if len(found) > 1:
        message += f" ({len(found) - 1} more conflicts.)"
    return Conflict(message, code="schedule_conflict", errors=found)


def require_free(
    *,
    trainer_id: int,
    room_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    exclude_ids: Iterable[int] = (),
) -> None:
    found = collisions(
        trainer_id=trainer_id,
        room_id=room_id,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_ids=exclude_ids,
    )
    if found:
        raise conflict_error(found)


def is_exclusion_violation(exc: IntegrityError) -> bool:
    """Whether PostgreSQL refused a write because of the no-overlap constraints."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return False
    text = str(exc)
    return any(name in text for name in EXCLUSION_CONSTRAINTS)
