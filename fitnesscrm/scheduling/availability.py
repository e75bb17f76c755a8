"""The free one-to-one slots of a trainer: what the portal offers a client to book.

A slot is inside the trainer's weekly working hours (local wall-clock times, built
date by date in the business's time zone, so 09:00 stays 09:00 across a
daylight-saving change; a wall time the clocks skip is no slot), outside their time
off and their sessions that are not cancelled, `self_booking_minutes` long, at
least `self_booking_notice_hours` from now and at most `client_booking_days` ahead.
Slots start on a grid of SLOT_GRID from the start of each stretch of working hours.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import manages_staff, role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling.models import (
    SchedulingSettings,
    Session,
    SessionStatus,
    TimeOff,
    WorkingHours,
)
from fitnesscrm.trainers.models import Trainer
from fitnesscrm.trainers.selectors import visible_trainers

# How far apart the offered start times are.
SLOT_GRID = timedelta(minutes=30)
# The longest range one request may ask slots for.
MAX_DAYS = 31


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_moment(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """`day` at `wall` in `zone`, or None when the clocks skip that time (spring forward).

    An ambiguous time (the hour repeated in autumn) is its first occurrence.
    """
    moment = datetime.combine(day, wall, tzinfo=zone)
    back = moment.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return moment


def booking_window(policy: SchedulingSettings, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the latest start a client may book by themselves."""
    return (
        now + timedelta(hours=policy.self_booking_notice_hours),
        now + timedelta(days=policy.client_booking_days),
    )


def _candidates(hours, days: list[date], zone: ZoneInfo, length: timedelta):
    """Every grid start inside the working hours of `days`, with its end, in UTC."""
    by_weekday = defaultdict(list)
    for row in hours:
        by_weekday[row.weekday].append(row)
    for day in days:
        for row in by_weekday[day.weekday()]:
            stretch_end = datetime.combine(day, row.ends, tzinfo=zone).astimezone(UTC)
            wall = datetime.combine(day, row.starts)
            last = datetime.combine(day, row.ends)
            while wall < last:
                start = local_moment(day, wall.time(), zone)
                wall += SLOT_GRID
                if start is None:
                    continue
                start = start.astimezone(UTC)
                if start + length <= stretch_end:
                    yield start, start + length


def _overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(b_start < end and b_end > start for b_start, b_end in busy)


def free_slots(
    *,
    trainer,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    policy: SchedulingSettings | None = None,
) -> list[Slot]:
    """The trainer's free slots that start on local days first_day..last_day, in order.

    Four queries whatever the range: the policy, the working hours, the time off and
    the sessions.
    """
    if last_day < first_day or not trainer.is_active:
        return []
    last_day = min(last_day, first_day + timedelta(days=MAX_DAYS - 1))
    now = now or timezone.now()
    policy = policy or SchedulingSettings.load()
    zone = _zone()
    earliest, latest = booking_window(policy, now)
    length = timedelta(minutes=policy.self_booking_minutes)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    # A day's slots may end on the next day; a day of margin either side covers every offset.
    range_start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=zone)
    range_end = datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=zone)
    hours = list(WorkingHours.objects.filter(trainer=trainer))
    busy = list(
        TimeOff.objects.filter(
            trainer=trainer, starts_at__lt=range_end, ends_at__gt=range_start
        ).values_list("starts_at", "ends_at")
    )
    busy += list(
        Session.objects.filter(trainer=trainer)
        .overlapping(range_start, range_end)
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("starts_at", "ends_at")
    )
    slots = set()
    for start, end in _candidates(hours, days, zone, length):
        if earliest <= start <= latest and not _overlaps(start, end, busy):
            slots.add(Slot(start, end))
    return sorted(slots, key=lambda slot: slot.starts_at)


def slot_is_free(*, trainer, starts_at: datetime, now: datetime | None = None) -> Slot | None:
    """The offered slot that starts at `starts_at`, or None when no such slot is free."""
    day = timezone.localtime(starts_at, _zone()).date()
    for slot in free_slots(trainer=trainer, first_day=day, last_day=day, now=now):
        if slot.starts_at == starts_at:
            return slot
    return None


# --- Who sees and books whose availability --------------------------------------------------


def can_edit_availability(user, trainer: Trainer) -> bool:
    """A trainer sets their own hours and time off; owners and managers anyone's."""
    if manages_staff(user):
        return True
    return role_of(user) == Role.TRAINER and trainer.user_id == user.pk


def working_hours_of(trainer: Trainer) -> list[WorkingHours]:
    return list(WorkingHours.objects.filter(trainer=trainer).order_by("weekday", "starts"))


def time_off_list(*, actor, trainer: Trainer, include_past: bool = False):
    """The trainer's time off, soonest first (what is over is left out unless asked for)."""
    if not can_edit_availability(actor, trainer):
        return TimeOff.objects.none()
    rows = TimeOff.objects.filter(trainer=trainer)
    if not include_past:
        rows = rows.filter(ends_at__gt=timezone.now())
    return rows.order_by("starts_at", "id")


def self_booking_trainers(user):
    """The trainers a client may book by themselves: those assigned to them, active."""
    if role_of(user) != Role.CLIENT:
        return Trainer.objects.none()
    return visible_trainers(user).filter(is_active=True).select_related("user")


def self_booking_trainer_get(*, user, trainer_id) -> Trainer:
    try:
        return self_booking_trainers(user).get(pk=trainer_id)
    except (Trainer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such trainer.") from exc
