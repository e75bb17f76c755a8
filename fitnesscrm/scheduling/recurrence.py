"""Weekly recurrence: an RRULE expanded in the business's local time, then stored in UTC.

A 07:00 class is at 07:00 local on every date, so its UTC time moves by an hour
across a daylight-saving change; that is what people expect of a timetable. A local
time that does not exist on some date (clocks jump forward over it) or exists twice
(clocks go back over it) is refused with the dates named, never guessed.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule, rrulestr

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.scheduling.models import MAX_OCCURRENCES

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall-clock time; refuses gaps and ambiguous times."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Both folds round-trip only when the time is repeated (clocks went back).
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local:
            raise ApplicationError(
                f"{local:%H:%M} happens twice on {local:%d %b %Y} (the clocks go back): "
                "choose another time.",
                code="ambiguous_time",
                errors=[{"field": "starts_at", "message": "This local time is ambiguous."}],
            )
        raise ApplicationError(
            f"{local:%H:%M} does not exist on {local:%d %b %Y} (the clocks go forward): "
            "choose another time.",
            code="nonexistent_time",
            errors=[{"field": "starts_at", "message": "This local time does not exist."}],
        )
    return first.astimezone(UTC)


@dataclass(frozen=True)
class Weekly:
    """What a person chooses for a weekly series: weekdays, and an end date or a count."""

    weekdays: tuple[int, ...]  # 0 = Monday
    until: date | None = None
    count: int | None = None

    def to_rrule(self) -> str:
        days = ",".join(WEEKDAY_CODES[d] for d in sorted(set(self.weekdays)))
        end = f"COUNT={self.count}" if self.count else f"UNTIL={self.until:%Y%m%d}T235959"
        return f"FREQ=WEEKLY;BYDAY={days};{end}"


def clean_weekly(*, weekdays, until: date | None, count: int | None, first_day: date) -> Weekly:
    """Check a weekly rule as a person typed it; raises one error naming each bad field."""
    errors = []
    days = tuple(sorted({int(d) for d in weekdays or ()}))
    if not days or any(d < 0 or d > 6 for d in days):
        errors.append({"field": "weekdays", "message": "Choose at least one weekday."})
    if (until is None) == (count is None):
        errors.append(
            {"field": "until", "message": "Give either an end date or a number of sessions."}
        )
    elif count is not None and not 1 <= count <= MAX_OCCURRENCES:
        errors.append(
            {"field": "count", "message": f"A series has 1 to {MAX_OCCURRENCES} sessions."}
        )
    elif until is not None and until < first_day:
        errors.append({"field": "until", "message": "The end date is before the first session."})
    if errors:
        raise ApplicationError(errors[0]["message"], code="invalid", errors=errors)
    return Weekly(weekdays=days, until=until, count=count)


def expand(rule: str, first_start: datetime, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Every occurrence of `rule` from the naive local `first_start`: (local, UTC) pairs.

    Refuses a rule with more than MAX_OCCURRENCES occurrences before generating them
    all, and names every date whose local time is a DST gap or overlap.
    """
    recurrence = rrulestr(rule, dtstart=first_start)
    if not isinstance(recurrence, rrule) or recurrence._freq != WEEKLY:
        raise ApplicationError("Only weekly series are supported.", code="invalid_rrule")
    occurrences = []
    for local in recurrence:
        if len(occurrences) == MAX_OCCURRENCES:
            raise ApplicationError(
                f"This series would have more than {MAX_OCCURRENCES} sessions: "
                "choose an earlier end date or fewer weekdays.",
                code="too_many_occurrences",
                errors=[{"field": "until", "message": "Too many sessions."}],
            )
        occurrences.append(local)
    if not occurrences:
        raise ApplicationError(
            "This series has no sessions: no chosen weekday falls before the end date.",
            code="empty_series",
            errors=[{"field": "weekdays", "message": "No sessions in this range."}],
        )
    result, bad = [], []
    for local in occurrences:
        try:
            result.append((local, local_to_utc(local, zone)))
        except ApplicationError as exc:
            bad.append(exc)
    if bad:
        first = bad[0]
        more = f" (and {len(bad) - 1} more dates)" if len(bad) > 1 else ""
        raise ApplicationError(first.message + more, code=first.code, errors=first.errors)
    return result


def end_before(rule: str, local: datetime) -> str:
    """`rule` ending just before the local occurrence `local` (for "this and the following")."""
    parts = [p for p in rule.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
    last = local - timedelta(seconds=1)
    return ";".join([*parts, f"UNTIL={last:%Y%m%dT%H%M%S}"])
