"""The shapes of /api/v1/programs: what goes in (with limits) and what comes out.

Loads, RPE and progressions come out as numbers; a program comes out whole (weeks, days,
exercises, sets) from `program_detail`, in a fixed number of queries.
"""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from fitnesscrm.core.api_helpers import PageParams, text, utc
from fitnesscrm.training.models import (
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramWeek,
)
from fitnesscrm.training.selectors import programs as selectors

# --- Out ---------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class SetOut(Schema):
    id: int
    position: int
    is_warmup: bool
    reps_min: int | None
    reps_max: int | None
    load: float | None
    load_unit: str = Field(description="kg, lb or pct_1rm (% of one-rep max).")
    rpe: float | None
    rir: int | None
    tempo: str
    rest_seconds: int | None
    duration_seconds: int | None
    distance_m: int | None


class ProgramExerciseOut(Schema):
    id: int
    day_id: int
    position: int
    exercise: Ref
    superset: str = Field(description="A letter shared by exercises done back to back, or ''.")
    notes: str
    progression_step: float = Field(description="Added to kg/lb loads once a week.")
    sets: list[SetOut]


class DayOut(Schema):
    id: int
    week: int = Field(description="The week's number.")
    position: int
    name: str
    notes: str
    exercises: list[ProgramExerciseOut]


class WeekOut(Schema):
    id: int
    number: int
    notes: str
    days: list[DayOut]


class ProgramOut(Schema):
    id: int
    name: str
    description: str
    tags: list[str]
    is_template: bool
    client: Ref | None
    source_id: int | None
    status: str
    start_date: date | None
    end_date: date | None
    trainer: Ref | None
    week_count: int
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProgramDetail(ProgramOut):
    weeks: list[WeekOut]


class ProgramPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProgramOut]


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def set_out(row: ProgramSet) -> dict:
    return {
        "id": row.pk,
        "position": row.position,
        "is_warmup": row.is_warmup,
        "reps_min": row.reps_min,
        "reps_max": row.reps_max,
        "load": _float(row.load),
        "load_unit": row.load_unit,
        "rpe": _float(row.rpe),
        "rir": row.rir,
        "tempo": row.tempo,
        "rest_seconds": row.rest_seconds,
        "duration_seconds": row.duration_seconds,
        "distance_m": row.distance_m,
    }


def entry_out(entry: ProgramExercise) -> dict:
    return {
        "id": entry.pk,
        "day_id": entry.day_id,
        "position": entry.position,
        "exercise": {"id": entry.exercise_id, "name": entry.exercise.name},
        "superset": entry.superset,
        "notes": entry.notes,
        "progression_step": float(entry.progression_step),
        "sets": [set_out(row) for row in entry.sets.all()],
    }


def day_out(day: ProgramDay, week_number: int) -> dict:
    return {
        "id": day.pk,
        "week": week_number,
        "position": day.position,
        "name": day.name,
        "notes": day.notes,
        "exercises": [entry_out(entry) for entry in day.exercises.all()],
    }


def week_out(week: ProgramWeek) -> dict:
    return {
        "id": week.pk,
        "number": week.number,
        "notes": week.notes,
        "days": [day_out(day, week.number) for day in week.days.all()],
    }


def program_out(program: Program, *, week_count: int | None = None) -> dict:
    trainer = program.trainer
    return {
        "id": program.pk,
        "name": program.name,
        "description": program.description,
        "tags": [tag.name for tag in program.tags.all()],
        "is_template": program.is_template,
        "client": {"id": program.client_id, "name": program.client.full_name}
        if program.client_id
        else None,
        "source_id": program.source_id,
        "status": program.status,
        "start_date": program.start_date,
        "end_date": program.end_date,
        "trainer": {"id": trainer.pk, "name": trainer.user.full_name} if trainer else None,
        "week_count": _week_count(program, week_count),
        "archived_at": utc(program.archived_at),
        "created_at": utc(program.created_at),
        "updated_at": utc(program.updated_at),
    }


def _week_count(program: Program, known: int | None) -> int:
    if known is not None:
        return known
    annotated = getattr(program, "week_count", None)
    return annotated if annotated is not None else program.weeks.count()


def program_detail(user, program_id: int) -> dict:
    program = selectors.program_tree(selectors.program_get(user=user, program_id=program_id))
    weeks = list(program.weeks.all())
    return {
        **program_out(program, week_count=len(weeks)),
        "weeks": [week_out(w) for w in weeks],
    }


# --- In ----------------------------------------------------------------------------------------


class SetIn(Schema):
    """One set's prescription; every field may be left out (null)."""

    is_warmup: bool = False
    reps_min: int | None = Field(None, description="Reps, or the low end of a range (0-500).")
    reps_max: int | None = Field(None, description="The high end of a rep range (0-500).")
    load: Decimal | None = Field(None, description="0-1000; at most 150 in pct_1rm.")
    load_unit: str = Field("kg", description="kg, lb or pct_1rm.")
    rpe: Decimal | None = Field(None, description="1-10 in steps of 0.5.")
    rir: int | None = Field(None, description="Reps in reserve, 0-10.")
    tempo: str = Field("", max_length=20, description="Like 3-1-1-0 (X for explosive).")
    rest_seconds: int | None = Field(None, description="0-3600.")
    duration_seconds: int | None = Field(None, description="0-86400.")
    distance_m: int | None = Field(None, description="0-1,000,000.")


class ProgramIn(Schema):
    name: text(120, 1)
    description: text(4000) = ""
    tags: list[text(40, 1)] = Field(default_factory=list, max_length=10)
    is_template: bool = False


class ProgramPatch(Schema):
    name: text(120, 1) | None = None
    description: text(4000) | None = None
    tags: list[text(40, 1)] | None = Field(None, max_length=10)
    is_template: bool | None = None


class CopyIn(Schema):
    name: text(120, 1) | None = Field(None, description='Defaults to "Copy of <name>".')
    as_template: bool = Field(False, description="Save as a template of the library.")


class WeekIn(Schema):
    copy_of: int | None = Field(None, description="The number of a week to copy; else empty.")
    notes: text(2000) = ""


class DayIn(Schema):
    week: int = Field(ge=1, le=52, description="The number of the week.")
    name: text(80) = ""
    notes: text(2000) = ""


class DayPatch(Schema):
    name: text(80) | None = None
    notes: text(2000) | None = None


class ProgramExerciseIn(Schema):
    exercise: int = Field(description="The exercise's id (from /exercises).")
    sets: list[SetIn] | None = Field(
        None, max_length=20, description="Left out: a start that suits the exercise."
    )
    superset: str = Field("", max_length=1)
    notes: text(1000) = ""
    progression_step: Decimal = Field(Decimal("0"), description="-50 to 50 a week.")


class ProgramExercisePatch(Schema):
    superset: str | None = Field(None, max_length=1)
    notes: text(1000) | None = None
    progression_step: Decimal | None = None
    day: int | None = Field(None, description="Move to this day (id) of the program.")
    position: int | None = Field(None, ge=1, le=30, description="Move to this place (1 = first).")
    sets: list[SetIn] | None = Field(None, max_length=20, description="Replaces every set.")


class AssignIn(Schema):
    program: int = Field(description="The program to copy for the client (id).")
    start_date: date
    end_date: date | None = None


class ProgramFilters(PageParams):
    q: str = Field("", max_length=100, description="Words of the name.")
    tag: str = Field("", max_length=40, description="A tag name (any case).")
    templates: bool = Field(False, description="Templates only.")
