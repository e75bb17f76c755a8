"""The program builder's writes: weeks, days, exercises in order, sets, supersets, progressions.

Each function checks that the actor may change the program (`require_writable`), keeps
the limits of the models (52 weeks, 7 days a week, 30 exercises a day, 20 sets an
exercise), keeps positions numbered 1, 2, 3… and records one audit entry against the
program.
"""

from decimal import Decimal

from django.db import transaction

from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.training.models import (
    Exercise,
    LoadUnit,
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramWeek,
    Tracking,
)
from fitnesscrm.training.services.programs_rules import (
    MAX_DAYS_PER_WEEK,
    MAX_EXERCISES_PER_DAY,
    MAX_SETS_PER_EXERCISE,
    MAX_WEEKS,
    clean_progression,
    clean_set,
    clean_superset,
    field_error,
    next_position,
    require_writable,
)

_UNSET = object()
MAX_DAY_NAME = 80
MAX_DAY_NOTES = 2000
MAX_EXERCISE_NOTES = 1000


def _audit(actor, program: Program, action: str, changes: dict | None = None) -> None:
    audit_record(actor=actor, action=f"program.{action}", target=program, changes=changes or {})


def _renumber(rows: list, field: str = "position") -> None:
    """Number `rows` 1, 2, 3… in their order, writing only those that moved."""
    changed = []
    for index, row in enumerate(rows, start=1):
        if getattr(row, field) != index:
            setattr(row, field, index)
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, [field])


def _text(value, field: str, limit: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise field_error(field, f"{label} are at most {limit} characters.")
    return value


# --- Weeks ------------------------------------------------------------------------------------


def _room_for_weeks(program: Program, adding: int = 1) -> None:
    if program.weeks.count() + adding > MAX_WEEKS:
        raise field_error("weeks", f"A program has at most {MAX_WEEKS} weeks.")


@transaction.atomic
def week_add(*, actor, program: Program, notes: str = "") -> ProgramWeek:
    """A new, empty week (with one day) after the last."""
    require_writable(actor, program)
    _room_for_weeks(program)
    week = ProgramWeek.objects.create(
        program=program,
        number=next_position(program.weeks, "number"),
        notes=_text(notes, "notes", 2000, "Notes"),
    )
    ProgramDay.objects.create(week=week, position=1, name="Day 1")
    _audit(actor, program, "week_add", {"week": [None, week.number]})
    return week


@transaction.atomic
def week_copy(*, actor, week: ProgramWeek) -> ProgramWeek:
    """A copy of `week` (days, exercises, sets) added after the program's last week."""
    from fitnesscrm.training.services.programs import copy_contents

    program = week.program
    require_writable(actor, program)
    _room_for_weeks(program)
    copy_contents(program, program, weeks=[week])
    copy = program.weeks.order_by("-number").first()
    _audit(actor, program, "week_copy", {"week": [week.number, copy.number]})
    return copy


@transaction.atomic
def week_update(*, actor, week: ProgramWeek, notes: str) -> ProgramWeek:
    require_writable(actor, week.program)
    week.notes = _text(notes, "notes", 2000, "Notes")
    week.save(update_fields=["notes"])
    _audit(actor, week.program, "week_update", {"week": week.number, "notes": "changed"})
    return week


@transaction.atomic
def week_remove(*, actor, week: ProgramWeek) -> None:
    """Delete a week and everything in it; the weeks after it move up one."""
    program = week.program
    require_writable(actor, program)
    number = week.number
    week.delete()
    # Renumber upwards in order so the unique (program, number) holds at every step.
    for later in program.weeks.filter(number__gt=number).order_by("number"):
        later.number -= 1
        later.save(update_fields=["number"])
    _audit(actor, program, "week_remove", {"week": [number, None]})


# --- Days -------------------------------------------------------------------------------------


@transaction.atomic
def day_add(*, actor, week: ProgramWeek, name: str = "", notes: str = "") -> ProgramDay:
    program = week.program
    require_writable(actor, program)
    count = week.days.count()
    if count >= MAX_DAYS_PER_WEEK:
        raise field_error("days", f"A week has at most {MAX_DAYS_PER_WEEK} days.")
    day = ProgramDay.objects.create(
        week=week,
        position=count + 1,
        name=_text(name, "name", MAX_DAY_NAME, "Names") or f"Day {count + 1}",
        notes=_text(notes, "notes", MAX_DAY_NOTES, "Notes"),
    )
    _audit(actor, program, "day_add", {"week": week.number, "day": [None, day.name]})
    return day


@transaction.atomic
def day_update(*, actor, day: ProgramDay, name=_UNSET, notes=_UNSET) -> ProgramDay:
    program = day.week.program
    require_writable(actor, program)
    changes = {}
    if name is not _UNSET:
        new = _text(name, "name", MAX_DAY_NAME, "Names") or f"Day {day.position}"
        if new != day.name:
            changes["name"] = [day.name, new]
        day.name = new
    if notes is not _UNSET:
        new = _text(notes, "notes", MAX_DAY_NOTES, "Notes")
        if new != day.notes:
            changes["notes"] = "changed"
        day.notes = new
    day.save()
    _audit(actor, program, "day_update", {"day": day.pk, **changes})
    return day


@transaction.atomic
def day_remove(*, actor, day: ProgramDay) -> None:
    week = day.week
    require_writable(actor, week.program)
    name = day.name
    day.delete()
    _renumber(list(week.days.order_by("position", "id")))
    _audit(actor, week.program, "day_remove", {"week": week.number, "day": [name, None]})


# --- Exercises on a day -----------------------------------------------------------------------

# What a new exercise starts with, by what the exercise tracks.
DEFAULT_SETS = {
    Tracking.WEIGHT_REPS: [{"reps_min": 8, "reps_max": 12, "rest_seconds": 90}] * 3,
    Tracking.REPS: [{"reps_min": 10, "reps_max": 10, "rest_seconds": 60}] * 3,
    Tracking.TIME: [{"duration_seconds": 30, "rest_seconds": 60}] * 3,
    Tracking.DISTANCE_TIME: [{"distance_m": 1000}],
}


def _check_exercise(exercise: Exercise) -> None:
    if exercise.archived_at is not None:
        raise field_error("exercise", "This exercise is archived; choose another.")


def _make_sets(entry: ProgramExercise, sets: list[dict]) -> list[ProgramSet]:
    if len(sets) > MAX_SETS_PER_EXERCISE:
        raise field_error("sets", f"An exercise has at most {MAX_SETS_PER_EXERCISE} sets.")
    rows = []
    for index, values in enumerate(sets, start=1):
        try:
            cleaned = clean_set({"load_unit": LoadUnit.KG, **values})
        except ApplicationError as exc:
            for error in exc.errors:
                error["field"] = f"sets.{index - 1}.{error['field']}"
            raise
        rows.append(ProgramSet(program_exercise=entry, position=index, **cleaned))
    return ProgramSet.objects.bulk_create(rows)


@transaction.atomic
def program_exercise_add(
    *,
    actor,
    day: ProgramDay,
    exercise: Exercise,
    sets: list[dict] | None = None,
    notes: str = "",
    superset: str = "",
    progression_step=Decimal("0"),
) -> ProgramExercise:
    """Add `exercise` at the end of `day`, with `sets` (or a sensible start for its tracking)."""
    program = day.week.program
    require_writable(actor, program)
    _check_exercise(exercise)
    if day.exercises.count() >= MAX_EXERCISES_PER_DAY:
        raise field_error("exercise", f"A day holds at most {MAX_EXERCISES_PER_DAY} exercises.")
    entry = ProgramExercise.objects.create(
        day=day,
        exercise=exercise,
        position=next_position(day.exercises),
        superset=clean_superset(superset),
        notes=_text(notes, "notes", MAX_EXERCISE_NOTES, "Notes"),
        progression_step=clean_progression(progression_step),
    )
    _make_sets(entry, DEFAULT_SETS.get(exercise.tracking, []) if sets is None else sets)
    _audit(actor, program, "exercise_add", {"day": day.pk, "exercise": [None, exercise.name]})
    return entry


@transaction.atomic
def program_exercise_update(
    *,
    actor,
    program_exercise: ProgramExercise,
    superset=_UNSET,
    notes=_UNSET,
    progression_step=_UNSET,
    sets=_UNSET,
) -> ProgramExercise:
    """Change the superset letter, notes or weekly progression; `sets` replaces every set."""
    entry = program_exercise
    program = entry.day.week.program
    require_writable(actor, program)
    changes = {}
    if superset is not _UNSET:
        new = clean_superset(superset)
        if new != entry.superset:
            changes["superset"] = [entry.superset, new]
        entry.superset = new
    if notes is not _UNSET:
        new = _text(notes, "notes", MAX_EXERCISE_NOTES, "Notes")
        if new != entry.notes:
            changes["notes"] = "changed"
        entry.notes = new
    if progression_step is not _UNSET:
        new = clean_progression(progression_step)
        if new != entry.progression_step:
            changes["progression_step"] = [str(entry.progression_step), str(new)]
        entry.progression_step = new
    entry.save()
    if sets is not _UNSET:
        entry.sets.all().delete()
        _make_sets(entry, list(sets or []))
        changes["sets"] = "replaced"
    _audit(actor, program, "exercise_update", {"entry": entry.pk, **changes})
    return entry


@transaction.atomic
def program_exercise_remove(*, actor, program_exercise: ProgramExercise) -> None:
    entry = program_exercise
    day = entry.day
    program = day.week.program
    require_writable(actor, program)
    name = str(entry.exercise)
    entry.delete()
    _renumber(list(day.exercises.order_by("position", "id")))
    _audit(actor, program, "exercise_remove", {"day": day.pk, "exercise": [name, None]})


@transaction.atomic
def program_exercise_reorder(*, actor, day: ProgramDay, order: list[int]) -> None:
    """Put the exercises `order` names on `day`, in that order (the drop of a drag).

    `order` may name exercises of other days of the same program: they move here. Any
    of the day's own exercises it leaves out (a page out of date) stay, after those named.
    """
    program = day.week.program
    require_writable(actor, program)
    wanted = list(dict.fromkeys(int(pk) for pk in order))
    found = {
        entry.pk: entry
        for entry in ProgramExercise.objects.filter(pk__in=wanted, day__week__program=program)
    }
    if len(found) != len(wanted):
        raise NotFound(
            "An exercise in that order is not in this program; reload the page.",
            errors=[{"field": "order", "message": "Not in this program."}],
        )
    rest = [e for e in day.exercises.order_by("position", "id") if e.pk not in found]
    entries = [found[pk] for pk in wanted] + rest
    if len(entries) > MAX_EXERCISES_PER_DAY:
        raise field_error("order", f"A day holds at most {MAX_EXERCISES_PER_DAY} exercises.")
    left = {e.day_id for e in entries if e.day_id != day.pk}
    for index, entry in enumerate(entries, start=1):
        entry.day = day
        entry.position = index
    if entries:
        ProgramExercise.objects.bulk_update(entries, ["day", "position"])
    for other in ProgramDay.objects.filter(pk__in=left):
        _renumber(list(other.exercises.order_by("position", "id")))
    _audit(
        actor,
        program,
        "exercise_reorder",
        {"day": day.pk, "order": [e.pk for e in entries], "moved_from": sorted(left)},
    )


@transaction.atomic
def program_exercise_move(
    *,
    actor,
    program_exercise: ProgramExercise,
    day: ProgramDay | None = None,
    position: int | None = None,
) -> ProgramExercise:
    """Move an exercise to `position` (1-based; the end when None) of `day` (its own if None)."""
    entry = program_exercise
    target = day or entry.day
    if target.week.program_id != entry.day.week.program_id:
        raise field_error("day", "That day is not in this program.")
    order = [pk for pk in target.exercises.order_by("position", "id").values_list("pk", flat=True)
             if pk != entry.pk]  # fmt: skip
    if position is None or position > len(order):
        position = len(order) + 1
    if position < 1:
        raise field_error("position", "A position is 1 or more.")
    order.insert(position - 1, entry.pk)
    program_exercise_reorder(actor=actor, day=target, order=order)
    entry.refresh_from_db()
    return entry


# --- Sets -------------------------------------------------------------------------------------


def _set_values(row: ProgramSet) -> dict:
    return {
        "is_warmup": row.is_warmup,
        "reps_min": row.reps_min,
        "reps_max": row.reps_max,
        "load": row.load,
        "load_unit": row.load_unit,
        "rpe": row.rpe,
        "rir": row.rir,
        "tempo": row.tempo,
        "rest_seconds": row.rest_seconds,
        "duration_seconds": row.duration_seconds,
        "distance_m": row.distance_m,
    }


def _room_for_set(entry: ProgramExercise) -> int:
    count = entry.sets.count()
    if count >= MAX_SETS_PER_EXERCISE:
        raise field_error("sets", f"An exercise has at most {MAX_SETS_PER_EXERCISE} sets.")
    return count + 1


@transaction.atomic
def program_set_add(*, actor, program_exercise: ProgramExercise, **values) -> ProgramSet:
    """A new set after the last, with the prescription given."""
    entry = program_exercise
    program = entry.day.week.program
    require_writable(actor, program)
    position = _room_for_set(entry)
    cleaned = clean_set(values, current={"load_unit": LoadUnit.KG})
    row = ProgramSet.objects.create(program_exercise=entry, position=position, **cleaned)
    _audit(actor, program, "set_add", {"entry": entry.pk, "set": [None, position]})
    return row


@transaction.atomic
def program_set_copy_last(*, actor, program_exercise: ProgramExercise) -> ProgramSet:
    """A new set like the last one (an empty set when there is none)."""
    entry = program_exercise
    program = entry.day.week.program
    require_writable(actor, program)
    position = _room_for_set(entry)
    last = entry.sets.order_by("-position", "-id").first()
    values = _set_values(last) if last else {}
    row = ProgramSet.objects.create(program_exercise=entry, position=position, **values)
    _audit(actor, program, "set_add", {"entry": entry.pk, "set": [None, position]})
    return row


@transaction.atomic
def program_set_update(*, actor, program_set: ProgramSet, **values) -> ProgramSet:
    """Change the fields given of one set's prescription (each one checked)."""
    row = program_set
    program = row.program_exercise.day.week.program
    require_writable(actor, program)
    before = _set_values(row)
    cleaned = clean_set(values, current=before)
    for name, value in cleaned.items():
        setattr(row, name, value)
    row.save()
    changed = {
        name: [_plain(before[name]), _plain(value)]
        for name, value in cleaned.items()
        if before[name] != value
    }
    _audit(actor, program, "set_update", {"set": row.pk, **changed})
    return row


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def program_set_remove(*, actor, program_set: ProgramSet) -> None:
    row = program_set
    entry = row.program_exercise
    program = entry.day.week.program
    require_writable(actor, program)
    position = row.position
    row.delete()
    _renumber(list(entry.sets.order_by("position", "id")))
    _audit(actor, program, "set_remove", {"entry": entry.pk, "set": [position, None]})
