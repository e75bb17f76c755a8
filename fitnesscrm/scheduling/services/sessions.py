"""Sessions: create, reschedule, cancel and complete, for one session or a recurring series.

Every write checks who may make it, that the trainer and the room are free
(conflicts.py; on PostgreSQL the exclusion constraints hold it under races too),
raises SEQUENCE so subscribed calendars pick the change up, tells booked clients,
and records an audit entry. Past sessions of a series are never touched by a
series edit.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Forbidden
from fitnesscrm.core.permissions import is_staff_member
from fitnesscrm.scheduling import conflicts, notify, recurrence, reminders, selectors
from fitnesscrm.scheduling.models import (
    MAX_CAPACITY,
    MAX_SESSION_LENGTH,
    Booking,
    BookingStatus,
    ClassType,
    Kind,
    Location,
    Room,
    Series,
    Session,
    SessionStatus,
)
from fitnesscrm.trainers.models import Trainer

# Fields a reschedule or edit may change.
EDITABLE = (
    "title",
    "description",
    "trainer",
    "room",
    "location",
    "video_url",
    "starts_at",
    "ends_at",
    "capacity",
    "class_type",
)
# Changes a booked client is told about (and their calendar shows).
CLIENT_VISIBLE = ("starts_at", "ends_at", "trainer", "room", "location", "video_url", "title")


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _field_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, errors=[{"field": field, "message": message}])


def _require_scheduler(actor, trainer: Trainer) -> None:
    if not is_staff_member(actor):
        raise Forbidden("Only staff schedule sessions.")
    if not selectors.can_schedule_for(actor, trainer):
        raise Forbidden("Trainers schedule their own sessions only.", code="not_your_session")


def _clean(session: Session) -> None:
    """Every rule of one session's own fields, as one error naming each bad field."""
    kind, trainer, room, capacity = session.kind, session.trainer, session.room, session.capacity
    starts_at, ends_at = session.starts_at, session.ends_at
    errors = []
    if kind not in Kind.values:
        errors.append({"field": "kind", "message": "Choose personal training or a class."})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("starts_at and ends_at must be aware datetimes")
    if ends_at <= starts_at:
        errors.append({"field": "ends_at", "message": "The end must be after the start."})
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        errors.append({"field": "ends_at", "message": "A session lasts at most 24 hours."})
    if not 1 <= capacity <= MAX_CAPACITY:
        errors.append(
            {"field": "capacity", "message": f"Capacity is between 1 and {MAX_CAPACITY}."}
        )
    elif room is not None and capacity > room.capacity:
        errors.append(
            {
                "field": "capacity",
                "message": f"{room.name} holds {room.capacity} people at most.",
            }
        )
    if not trainer.is_active:
        errors.append({"field": "trainer", "message": "This trainer is not active."})
    if room is not None and not (room.is_active and room.location.is_active):
        errors.append({"field": "room", "message": "This room is not in use."})
    if kind == Kind.CLASS and session.class_type_id is None:
        errors.append({"field": "class_type", "message": "Choose the class type."})
    if not session.title.strip():
        errors.append({"field": "title", "message": "Give the session a title."})
    if errors:
        raise ApplicationError(
            errors[0]["message"] if len(errors) == 1 else "Some fields are not valid.",
            code="invalid",
            errors=errors,
        )


def _write(session: Session, *, exclude_ids=()) -> None:
    """Save after the conflict check; a race the check missed is refused by PostgreSQL."""
    if session.status != SessionStatus.CANCELLED:
        conflicts.require_free(
            trainer_id=session.trainer_id,
            room_id=session.room_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            exclude_ids=[session.pk, *exclude_ids] if session.pk else exclude_ids,
        )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:
        if not conflicts.is_exclusion_violation(exc):
            raise
        found = conflicts.collisions(
            trainer_id=session.trainer_id,
            room_id=session.room_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            exclude_ids=[session.pk] if session.pk else (),
        ) or [{"field": "trainer", "message": "Another session was just booked at this time."}]
        raise conflicts.conflict_error(found) from exc


def _defaults(
    *, kind: str, class_type: ClassType | None, title: str, capacity: int | None, room: Room | None
) -> tuple[str, int]:
    if not title and kind == Kind.PERSONAL:
        title = "Personal training"
    if class_type is not None:
        title = title or class_type.name
        capacity = capacity if capacity is not None else class_type.capacity
        if room is not None:
            capacity = min(capacity, room.capacity)
    return title, capacity if capacity is not None else 1


@transaction.atomic
def session_create(
    *,
    actor,
    trainer: Trainer,
    starts_at: datetime,
    ends_at: datetime | None = None,
    kind: str = Kind.PERSONAL,
    title: str = "",
    class_type: ClassType | None = None,
    room: Room | None = None,
    location: Location | None = None,
    capacity: int | None = None,
    video_url: str = "",
    description: str = "",
    series: Series | None = None,
    audit: bool = True,
) -> Session:
    """One session; `ends_at` defaults to the class type's duration (else one hour)."""
    _require_scheduler(actor, trainer)
    title, capacity = _defaults(
        kind=kind, class_type=class_type, title=title, capacity=capacity, room=room
    )
    if ends_at is None:
        minutes = class_type.duration_minutes if class_type else 60
        ends_at = starts_at + timedelta(minutes=minutes)
    session = Session(
        kind=kind,
        class_type=class_type,
        title=title.strip(),
        description=description,
        trainer=trainer,
        room=room,
        location=room.location if room else location,
        video_url=video_url,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        series=series,
        created_by=actor,
    )
    _clean(session)
    _write(session)
    if audit:
        audit_record(
            actor=actor,
            action="session.create",
            target=session,
            changes={"starts_at": session.starts_at.isoformat(), "trainer": trainer.pk},
        )
    return session


def _locked(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("trainer", "room__location")
        .get(pk=session.pk)
    )


def _apply(session: Session, changes: dict) -> dict:
    """Set the changed fields on `session`; returns {field: [old, new]} of real changes."""
    changed = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise TypeError(f"{name} cannot be changed here")
        old = getattr(session, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(session, name, value)
    if "room" in changed and session.room is not None:
        session.location = session.room.location
    return changed


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _after_change(session: Session, changed: dict, *, actor, notify_clients: bool) -> None:
    session.sequence = F("sequence") + 1
    session.save(update_fields=["sequence", "updated_at"])
    session.refresh_from_db(fields=["sequence"])
    if "starts_at" in changed:
        reminders.reminders_reschedule(session)
    if notify_clients and any(name in CLIENT_VISIBLE for name in changed):
        notify.bookings_event(
            session.bookings.filter(status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED]),
            notify.RESCHEDULED,
        )


@transaction.atomic
def session_update(*, actor, session: Session, notify_clients: bool = True, **changes) -> Session:
    """Reschedule or edit one session; the same rules as creating it, checked again."""
    session = _locked(session)
    _require_scheduler(actor, session.trainer)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(
            f"This session is {session.get_status_display().lower()}: it cannot be changed.",
            code="not_scheduled",
        )
    if "trainer" in changes:
        _require_scheduler(actor, changes["trainer"])
    starts_before = session.starts_at
    changed = _apply(session, changes)
    if not changed:
        return session
    if "starts_at" in changed and "ends_at" not in changes:
        # Moving a session keeps its length (what dragging it in the calendar means).
        session.ends_at = session.starts_at + (session.ends_at - starts_before)
        changed["ends_at"] = [None, session.ends_at.isoformat()]
    if starts_before <= timezone.now() and "starts_at" in changed:
        raise _field_error("starts_at", "A session that has started cannot be moved.", "started")
    if session.starts_at <= timezone.now() and "starts_at" in changed:
        raise _field_error("starts_at", "A session cannot be moved into the past.", "past")
    _clean(session)
    if session.capacity < session.booked_count:
        raise _field_error(
            "capacity",
            f"{session.booked_count} people are booked: the capacity cannot be lower.",
            "below_bookings",
        )
    _write(session)
    _after_change(session, changed, actor=actor, notify_clients=notify_clients)
    if "capacity" in changed:
        from fitnesscrm.scheduling.services.bookings import promote_waitlist

        promote_waitlist(session)
    audit_record(actor=actor, action="session.update", target=session, changes=changed)
    return session


@transaction.atomic
def session_cancel(*, actor, session: Session, reason: str = "") -> Session:
    """Cancel a session: every booking is cancelled (never as late) and the clients told."""
    from fitnesscrm.scheduling.services.bookings import CANCEL, run_booking_hooks

    session = _locked(session)
    _require_scheduler(actor, session.trainer)
    if session.status == SessionStatus.CANCELLED:
        return session
    if session.status == SessionStatus.COMPLETED:
        raise ApplicationError("A completed session cannot be cancelled.", code="completed")
    now = timezone.now()
    live = list(
        session.bookings.filter(status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED])
    )
    Booking.objects.filter(pk__in=[b.pk for b in live]).update(
        status=BookingStatus.CANCELLED, cancelled_at=now, sequence=F("sequence") + 1, updated_at=now
    )
    for booking in live:
        reminders.reminders_drop(booking)
        # Never a late cancel: whatever the booking cost (a class credit) comes back.
        booking.status = BookingStatus.CANCELLED
        run_booking_hooks(booking, CANCEL)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.cancel_reason = reason[:200]
    session.booked_count = 0
    session.waitlist_count = 0
    session.sequence = F("sequence") + 1
    session.save()
    session.refresh_from_db(fields=["sequence"])
    notify.bookings_event(live, notify.SESSION_CANCELLED)
    audit_record(
        actor=actor,
        action="session.cancel",
        target=session,
        changes={"reason": reason[:200], "bookings_cancelled": len(live)},
    )
    return session


def sessions_complete_ended(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Mark scheduled sessions that have ended as completed; returns how many.

    Run by the scheduler every 15 minutes (fitnesscrm/periodic.py). Attendance can
    still be taken afterwards; a completed session is no longer moved or booked.
    Works in batches, so a first run over a long history never holds a long lock.
    """
    now = now or timezone.now()
    done = 0
    while True:
        ids = list(
            Session.objects.filter(status=SessionStatus.SCHEDULED, ends_at__lte=now)
            .order_by("ends_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        done += Session.objects.filter(pk__in=ids, status=SessionStatus.SCHEDULED).update(
            status=SessionStatus.COMPLETED, updated_at=now
        )


# --- Recurring series ---------------------------------------------------------------

THIS = "this"
FOLLOWING = "following"
ALL = "all"
SCOPES = (THIS, FOLLOWING, ALL)


@dataclass(frozen=True)
class SeriesPlan:
    """A weekly series as a person chose it, in local time."""

    first_day: date
    start_time: time
    duration_minutes: int
    weekdays: tuple[int, ...]
    until: date | None = None
    count: int | None = None


@transaction.atomic
def series_create(
    *,
    actor,
    plan: SeriesPlan,
    trainer: Trainer,
    kind: str = Kind.CLASS,
    title: str = "",
    class_type: ClassType | None = None,
    room: Room | None = None,
    location: Location | None = None,
    capacity: int | None = None,
    video_url: str = "",
    description: str = "",
) -> Series:
    """A weekly series and every one of its sessions, or nothing if any one cannot be.

    A conflict on any date refuses the whole series and lists each colliding date.
    """
    _require_scheduler(actor, trainer)
    weekly = recurrence.clean_weekly(
        weekdays=plan.weekdays, until=plan.until, count=plan.count, first_day=plan.first_day
    )
    if not 5 <= plan.duration_minutes <= 24 * 60:
        raise _field_error("duration_minutes", "A session lasts 5 minutes to 24 hours.")
    zone = business_zone()
    first_start = datetime.combine(plan.first_day, plan.start_time)
    rule = weekly.to_rrule()
    occurrences = recurrence.expand(rule, first_start, zone)
    title, capacity = _defaults(
        kind=kind, class_type=class_type, title=title, capacity=capacity, room=room
    )
    length = timedelta(minutes=plan.duration_minutes)
    first = Session(
        kind=kind,
        class_type=class_type,
        title=title.strip(),
        description=description,
        trainer=trainer,
        room=room,
        location=room.location if room else location,
        video_url=video_url,
        starts_at=occurrences[0][1],
        ends_at=occurrences[0][1] + length,
        capacity=capacity,
        created_by=actor,
    )
    _clean(first)
    if occurrences[0][1] <= timezone.now():
        raise _field_error("first_day", "The first session must be in the future.", "past")
    found = []
    for _, start in occurrences:
        found += conflicts.collisions(
            trainer_id=trainer.pk, room_id=room.pk if room else None,
            starts_at=start, ends_at=start + length,
        )  # fmt: skip
    if found:
        raise conflicts.conflict_error(found)
    series = Series.objects.create(
        kind=kind,
        title=title,
        rrule=rule,
        first_day=plan.first_day,
        start_time=plan.start_time,
        time_zone=zone.key,
        duration_minutes=plan.duration_minutes,
        created_by=actor,
    )
    fields = {
        f.attname: getattr(first, f.attname)
        for f in Session._meta.concrete_fields
        if f.attname not in ("id", "uid", "series_id", "starts_at", "ends_at")
    }
    sessions = [
        Session(**fields, series=series, starts_at=start, ends_at=start + length)
        for _, start in occurrences
    ]
    try:
        with transaction.atomic():
            Session.objects.bulk_create(sessions, batch_size=500)
    except IntegrityError as exc:
        if not conflicts.is_exclusion_violation(exc):
            raise
        raise conflicts.conflict_error(
            [
                {
                    "field": "trainer",
                    "message": "Another session was just booked at one of these times.",
                }
            ]
        ) from exc
    audit_record(
        actor=actor,
        action="series.create",
        target=series,
        changes={"rrule": rule, "sessions": len(sessions), "trainer": trainer.pk},
    )
    return series


def _scope_sessions(session: Session, scope: str):
    """The sessions a series edit of `scope` from `session` reaches: never past ones."""
    if scope not in SCOPES:
        raise _field_error("scope", "Choose this session, this and the following, or all.")
    if scope == THIS or session.series_id is None:
        return [session]
    sessions = Session.objects.select_for_update(of=("self",)).filter(
        series_id=session.series_id,
        status=SessionStatus.SCHEDULED,
        starts_at__gt=timezone.now(),
    )
    if scope == FOLLOWING:
        sessions = sessions.filter(starts_at__gte=session.starts_at)
    return list(sessions.select_related("trainer", "room__location").order_by("starts_at"))


def _split_series(session: Session, affected: list[Session]) -> None:
    """End the series before `session`; the affected sessions form a new series from it."""
    series = session.series
    zone = ZoneInfo(series.time_zone)
    local = timezone.localtime(session.starts_at, zone).replace(tzinfo=None)
    earlier = series.sessions.filter(starts_at__lt=session.starts_at).exists()
    if not earlier:
        return
    tail = Series.objects.create(
        kind=series.kind,
        title=series.title,
        rrule=_rule_from(series.rrule, remaining=len(affected)),
        first_day=local.date(),
        start_time=local.time(),
        time_zone=series.time_zone,
        duration_minutes=series.duration_minutes,
        created_by=series.created_by,
    )
    series.rrule = recurrence.end_before(series.rrule, local)
    series.save(update_fields=["rrule"])
    Session.objects.filter(pk__in=[s.pk for s in affected]).update(series=tail)
    for s in affected:
        s.series = tail


def _rule_from(rule: str, *, remaining: int) -> str:
    parts = rule.split(";")
    return ";".join(f"COUNT={remaining}" if p.startswith("COUNT=") else p for p in parts)


@transaction.atomic
def series_update(
    *,
    actor,
    session: Session,
    scope: str,
    start_time: time | None = None,
    duration_minutes: int | None = None,
    **changes,
) -> list[Session]:
    """Edit this session, this and the following, or all future sessions of its series.

    `start_time` and `duration_minutes` are local wall-clock values applied to each
    session on its own date (so a move from 07:00 to 07:30 stays right across a DST
    change); other `changes` (trainer, room, capacity, title, video link, …) are set
    as they are. Everything is checked first; one conflict refuses the whole edit.
    """
    session = _locked(session)
    _require_scheduler(actor, session.trainer)
    affected = _scope_sessions(session, scope)
    if not affected:
        raise ApplicationError("No future sessions of this series are left to change.")
    if "starts_at" in changes or "ends_at" in changes:
        raise TypeError("series_update takes start_time and duration_minutes")
    zone = business_zone()
    ids = [s.pk for s in affected]
    plans = []
    for s in affected:
        new = dict(changes)
        local_start = timezone.localtime(s.starts_at, zone)
        length = s.ends_at - s.starts_at
        if duration_minutes is not None:
            length = timedelta(minutes=duration_minutes)
        if start_time is not None:
            starts = recurrence.local_to_utc(datetime.combine(local_start.date(), start_time), zone)
        else:
            starts = s.starts_at
        if starts != s.starts_at:
            new["starts_at"] = starts
        if starts + length != s.ends_at:
            new["ends_at"] = starts + length
        plans.append((s, new))
    found = []
    for s, new in plans:
        merged = {name: new.get(name, getattr(s, name)) for name in ("starts_at", "ends_at")}
        trainer = new.get("trainer", s.trainer)
        room = new.get("room", s.room)
        if "trainer" in new:
            _require_scheduler(actor, trainer)
        found += conflicts.collisions(
            trainer_id=trainer.pk,
            room_id=room.pk if room else None,
            starts_at=merged["starts_at"],
            ends_at=merged["ends_at"],
            exclude_ids=ids,
        )
    if found:
        raise conflicts.conflict_error(found)
    if scope == FOLLOWING and session.series_id:
        _split_series(session, affected)
    if start_time is not None or duration_minutes is not None:
        _retime_series(affected, start_time=start_time, duration_minutes=duration_minutes)
    updated = []
    for s, new in plans:
        if new:
            # Move the later ones out of the way first is not needed: the series'
            # sessions never overlap each other, and each is checked on its own date.
            updated.append(session_update(actor=actor, session=s, **new))
    audit_record(
        actor=actor,
        action="series.update",
        target=session.series or session,
        changes={"scope": scope, "sessions": len(updated)},
    )
    return updated


def _retime_series(affected, *, start_time, duration_minutes) -> None:
    series = affected[0].series if affected and affected[0].series_id else None
    if series is None:
        return
    if start_time is not None:
        series.start_time = start_time
    if duration_minutes is not None:
        series.duration_minutes = duration_minutes
    series.save(update_fields=["start_time", "duration_minutes"])


@transaction.atomic
def series_cancel(*, actor, session: Session, scope: str, reason: str = "") -> list[Session]:
    """Cancel this session, this and the following, or all future sessions of its series."""
    session = _locked(session)
    _require_scheduler(actor, session.trainer)
    affected = _scope_sessions(session, scope)
    if scope == FOLLOWING and session.series_id and affected:
        series = session.series
        local = timezone.localtime(session.starts_at, ZoneInfo(series.time_zone))
        series.rrule = recurrence.end_before(series.rrule, local.replace(tzinfo=None))
        series.save(update_fields=["rrule"])
    return [session_cancel(actor=actor, session=s, reason=reason) for s in affected]
