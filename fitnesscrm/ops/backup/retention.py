"""Which backup sets to keep: the newest of each of the last N days, weeks and months.

Periods are counted among those that have a set, not on the calendar: when backups stop
for a while, the last copies are kept rather than aged out. Every set made in the 24 hours
up to the newest one is kept too, so a set made by hand before an upgrade survives that
night's backup. Days, ISO weeks and months are those of UTC, like the set names.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Policy:
    daily: int
    weekly: int
    monthly: int

    @classmethod
    def from_settings(cls) -> "Policy":
        from django.conf import settings

        return cls(
            daily=settings.BACKUP_KEEP_DAILY,
            weekly=settings.BACKUP_KEEP_WEEKLY,
            monthly=settings.BACKUP_KEEP_MONTHLY,
        )


def _day(moment: datetime) -> tuple:
    return (moment.year, moment.month, moment.day)


def _week(moment: datetime) -> tuple:
    year, week, _ = moment.isocalendar()
    return (year, week)


def _month(moment: datetime) -> tuple:
    return (moment.year, moment.month)


def to_keep(moments: Iterable[datetime], policy: Policy) -> set[datetime]:
    ordered = sorted(set(moments), reverse=True)
    keep = {moment for moment in ordered if ordered[0] - moment < RECENT}
    rules: list[tuple[int, Callable[[datetime], tuple]]] = [
        (policy.daily, _day),
        (policy.weekly, _week),
        (policy.monthly, _month),
    ]
    for count, period in rules:
        seen: set[tuple] = set()
        for moment in ordered:  # newest first: the first of a period is its newest
            key = period(moment)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(moment)
    return keep


def to_delete(moments: Iterable[datetime], policy: Policy) -> list[datetime]:
    moments = list(moments)
    keep = to_keep(moments, policy)
    return sorted(moment for moment in set(moments) if moment not in keep)
