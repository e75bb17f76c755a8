"""Which week of a client's program falls on a date, and the load planned for it.

Pure functions over the program models (no writes, no permission checks): the
builder, the workout log and the portal all call them so the maths lives in one place.

Week k of an assignment (k = 0) is the seven days starting on the program's
`start_date`; week k runs the program's week (k mod number of weeks) + 1, and an
exercise's `progression_step` is added k times to loads in kg or lb (never to a
load in % of 1RM, which follows the client's own one-rep max).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from fitnesscrm.training.models.programs import LoadUnit

if TYPE_CHECKING:
    from fitnesscrm.training.models import Program, ProgramSet, ProgramWeek

LOAD_MIN = Decimal("0")
LOAD_MAX = Decimal("1000")
_CENTS = Decimal("0.01")


def week_index_for(start_date: date, on_date: date) -> int | None:
    """The week of an assignment that `on_date` falls in (0 = the first), None before the start."""
    if on_date < start_date:
        return None
    return (on_date - start_date).days // 7


def program_week_number(week_index: int, week_count: int) -> int:
    """The program week (1-based) that assignment week `week_index` runs: (k mod weeks) + 1."""
    if week_count < 1:
        raise ValueError("A program needs at least one week.")
    if week_index < 0:
        raise ValueError("The week index cannot be negative.")
    return week_index % week_count + 1


def progressed_load(
    load: Decimal | None, unit: str, step: Decimal | None, week_index: int
) -> Decimal | None:
    """`load` with `step` added `week_index` times (kg/lb only), kept within 0 to 1000."""
    if load is None:
        return None
    load = Decimal(load)
    if unit == LoadUnit.PERCENT_1RM or not step or week_index <= 0:
        return load.quantize(_CENTS, rounding=ROUND_HALF_UP)
    value = load + Decimal(step) * week_index
    value = max(LOAD_MIN, min(LOAD_MAX, value))
    return value.quantize(_CENTS, rounding=ROUND_HALF_UP)


def planned_load(program_set: ProgramSet, week_index: int) -> Decimal | None:
    """The load prescribed for `program_set` in week `week_index` of the assignment.

    The set's own load plus its exercise's progression step for each week since the
    start; a load in % of 1RM is returned unchanged; None when the set has no load.
    Reads `program_set.program_exercise` (select or prefetch it to avoid a query).
    """
    step = program_set.program_exercise.progression_step
    return progressed_load(program_set.load, program_set.load_unit, step, week_index)


def program_week_for(program: Program, on_date: date) -> tuple[int, ProgramWeek] | None:
    """(week index, the program week it runs) for a client's copy on `on_date`.

    None when the program has no start date (a library program), when `on_date` is
    before the start or after the end date, or when the program has no weeks. Uses
    `program.weeks.all()`, so a prefetched `weeks` costs no query.
    """
    if program.start_date is None:
        return None
    if program.end_date is not None and on_date > program.end_date:
        return None
    week_index = week_index_for(program.start_date, on_date)
    if week_index is None:
        return None
    weeks = sorted(program.weeks.all(), key=lambda week: week.number)
    if not weeks:
        return None
    return week_index, weeks[program_week_number(week_index, len(weeks)) - 1]
