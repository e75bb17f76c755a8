"""Workout logs: what a client actually did, and the personal records it sets.

Staff who may see a client (fitnesscrm.training.access.coached_clients: owners,
managers, the client's trainers) log for them; a client logs their own. Every
write runs in one transaction that also brings the client's personal records up
to date for the exercises it touched, and answers which records are new, so the
page can say "New record: Back squat e1RM 142.5 kg".

A workout is done on a day of a client's active program copy, or off-plan. Its
date is not in the future, and not before the client joined (or, for a client
just added, up to a year back, so that a paper log can be typed in).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.training import records
from fitnesscrm.training.access import TRAINING_ROLES, coached_clients
from fitnesscrm.training.models import (
    Exercise,
    LoggedSet,
    PersonalRecord,
    ProgramDay,
    ProgramSet,
    ProgramStatus,
    RecordKind,
    WorkoutLog,
)
from fitnesscrm.training.models.logs import LOGGED_LOAD_UNITS
from fitnesscrm.training.schedule import week_index_for

MAX_SETS = 200
MAX_REPS = 500
MAX_LOAD = Decimal("1000")
MAX_RPE = Decimal("10")
MIN_RPE = Decimal("1")
MAX_DURATION_SECONDS = 86_400
MAX_DISTANCE_M = 1_000_000
MAX_SET_NOTES = 500
MAX_NOTES = 4000
MAX_SESSION_MINUTES = 600
# PersonalRecord.value_kg holds 9 digits with 2 decimals.
MAX_VOLUME_KG = Decimal("9999999.99")
# How far back a workout may be logged for a client who joined recently.
BACKFILL_DAYS = 365
UNITS = tuple(unit.value for unit in LOGGED_LOAD_UNITS)


@dataclass
class SetSpec:
    """One set as done: answering a planned set (`program_set`) or extra (None)."""

    exercise: Exercise | None
    program_set: ProgramSet | None = None
    reps: int | None = None
    load: Decimal | None = None
    load_unit: str = "kg"
    rpe: Decimal | None = None
    duration: int | None = None  # seconds
    distance: int | None = None  # metres
    completed: bool = True
    notes: str = ""


@dataclass(frozen=True)
class NewRecord:
    """A record a write just set, ready to be said: "Back squat e1RM 142.5 kg"."""

    exercise: str
    kind: str
    reps: int
    value_kg: Decimal
    unit: str = "kg"

    @property
    def label(self) -> str:
        if self.kind == RecordKind.E1RM:
            return "e1RM"
        if self.kind == RecordKind.LOAD_FOR_REPS:
            return f"best for {self.reps} rep{'s' if self.reps != 1 else ''}"
        return "workout volume"

    @property
    def value(self) -> str:
        places = records.CENT if self.kind == RecordKind.LOAD_FOR_REPS else records.TENTH
        text = f"{records.shown(self.value_kg, places)} kg"
        if self.unit == records.LB:
            text += f" ({records.lb_alongside(self.value_kg)} lb)"
        return text

    def __str__(self) -> str:
        return f"{self.exercise} {self.label} {self.value}"


@dataclass
class _Problems:
    errors: list[dict] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        self.errors.append({"field": name, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]["message"]
            message = first if len(self.errors) == 1 else "Some fields are not valid."
            raise ApplicationError(message, code="invalid", errors=self.errors)


# --- Checks -------------------------------------------------------------------------------------


def _require_client(actor, client: Client) -> Client:
    """The client, if `actor` may see (and so log for) them; NotFound otherwise."""
    if role_of(actor) not in TRAINING_ROLES:
        raise NotFound("No such client.")
    if not coached_clients(actor).filter(pk=client.pk).exists():
        raise NotFound("No such client.")
    return client


def earliest_date(client: Client, *, today: date | None = None) -> date:
    """The first day a workout may be logged for `client` on."""
    today = today or timezone.localdate()
    joined = timezone.localdate(client.created_at) if client.created_at else today
    return min(joined, today - timedelta(days=BACKFILL_DAYS))


def _check_date(problems: _Problems, client: Client, performed_on: date | None) -> None:
    today = timezone.localdate()
    if performed_on is None:
        problems.add("performed_on", "Enter the date of the workout.")
    elif performed_on > today:
        problems.add("performed_on", "The date is in the future: log a workout once it is done.")
    elif performed_on < earliest_date(client, today=today):
        first = earliest_date(client, today=today)
        problems.add("performed_on", f"The date is too far back: the earliest is {first:%d %b %Y}.")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("NaN")
    return number


def _check_header(problems: _Problems, notes, duration_minutes, session_rpe) -> None:
    if len(notes or "") > MAX_NOTES:
        problems.add("notes", f"Notes are at most {MAX_NOTES} characters.")
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_SESSION_MINUTES:
        problems.add(
            "duration_minutes", f"The duration is from 1 to {MAX_SESSION_MINUTES} minutes."
        )
    rpe = _decimal(session_rpe)
    if rpe is not None and (not rpe.is_finite() or not MIN_RPE <= rpe <= MAX_RPE):
        problems.add("session_rpe", "RPE is from 1 to 10.")
    elif rpe is not None and rpe != rpe.quantize(Decimal("0.1")):
        problems.add("session_rpe", "RPE takes one decimal at most, like 7.5.")


def _check_day(client: Client, program_day: ProgramDay | None):
    """The active client copy `program_day` belongs to (NotFound when it is not this client's)."""
    if program_day is None:
        return None
    program = program_day.week.program
    if program.client_id != client.pk or program.status != ProgramStatus.ACTIVE:
        message = "This day is not part of an active program of this client."
        raise NotFound(message, errors=[{"field": "program_day", "message": message}])
    return program


def _check_set(problems: _Problems, index: int, spec: SetSpec, program_day) -> None:
    prefix = f"sets.{index}."
    if spec.program_set is not None:
        day_id = spec.program_set.program_exercise.day_id
        if program_day is None or day_id != program_day.pk:
            problems.add(prefix + "program_set", "This planned set is not on the day logged.")
            return
        spec.exercise = spec.program_set.program_exercise.exercise
    if spec.exercise is None:
        problems.add(prefix + "exercise", "Choose the exercise.")
    if spec.reps is not None and not 0 <= spec.reps <= MAX_REPS:
        problems.add(prefix + "reps", f"Reps are a whole number from 0 to {MAX_REPS}.")
    if spec.load_unit not in UNITS:
        problems.add(prefix + "load_unit", "Log the load in kg or lb.")
    load = _decimal(spec.load)
    if load is not None:
        unit = spec.load_unit if spec.load_unit in UNITS else "kg"
        if not load.is_finite() or load < 0:
            problems.add(prefix + "load", "The load cannot be negative.")
        elif load > MAX_LOAD:
            problems.add(prefix + "load", f"The load is at most {MAX_LOAD} {unit}.")
        elif load != load.quantize(Decimal("0.01")):
            problems.add(prefix + "load", "The load takes two decimals at most.")
        else:
            spec.load = load
    rpe = _decimal(spec.rpe)
    if rpe is not None:
        if not rpe.is_finite() or not MIN_RPE <= rpe <= MAX_RPE:
            problems.add(prefix + "rpe", "RPE is from 1 to 10.")
        elif rpe != rpe.quantize(Decimal("0.1")):
            problems.add(prefix + "rpe", "RPE takes one decimal at most, like 8.5.")
        else:
            spec.rpe = rpe
    if spec.duration is not None and not 0 <= spec.duration <= MAX_DURATION_SECONDS:
        problems.add(prefix + "duration", "The time is from 0 to 86,400 seconds (a day).")
    if spec.distance is not None and not 0 <= spec.distance <= MAX_DISTANCE_M:
        problems.add(prefix + "distance", "The distance is from 0 to 1,000,000 metres.")
    if len(spec.notes or "") > MAX_SET_NOTES:
        problems.add(prefix + "notes", f"A set's notes are at most {MAX_SET_NOTES} characters.")
    if spec.completed and spec.reps is None and spec.duration is None and spec.distance is None:
        problems.add(prefix + "reps", "Enter the reps (or time, or distance) done.")


def _check_sets(problems: _Problems, sets: list[SetSpec], program_day) -> None:
    if not sets:
        problems.add("sets", "Add at least one set.")
        return
    if len(sets) > MAX_SETS:
        problems.add("sets", f"A workout has at most {MAX_SETS} sets.")
        return
    for index, spec in enumerate(sets):
        _check_set(problems, index, spec, program_day)
    if problems.errors:
        return
    volume: dict[int, Decimal] = defaultdict(Decimal)
    for spec in sets:
        if spec.completed and spec.load is not None:
            kg = records.round_kg(records.to_kg(spec.load, spec.load_unit))
            volume[spec.exercise.pk] += records.set_volume(kg, spec.reps)
    if any(total > MAX_VOLUME_KG for total in volume.values()):
        problems.add("sets", "These sets add up to more volume than one workout can hold.")


def _program_week(problems: _Problems, program, performed_on: date | None) -> int | None:
    if program is None or performed_on is None:
        return None
    week_index = week_index_for(program.start_date, performed_on)
    if week_index is None:
        problems.add(
            "performed_on",
            f"The program starts on {program.start_date:%d %b %Y}: pick a later date.",
        )
    elif program.end_date is not None and performed_on > program.end_date:
        problems.add(
            "performed_on",
            f"The program ended on {program.end_date:%d %b %Y}: pick an earlier date.",
        )
    return week_index


# --- Writing the sets and the records ---------------------------------------------------------


def _write_sets(log: WorkoutLog, sets: list[SetSpec]) -> None:
    rows = []
    for position, spec in enumerate(sets, start=1):
        load_kg = e1rm = None
        if spec.load is not None:
            exact = records.to_kg(spec.load, spec.load_unit)
            load_kg = records.round_kg(exact)
            e1rm = records.estimated_1rm(exact, spec.reps) if spec.completed else None
        rows.append(
            LoggedSet(
                log=log,
                exercise=spec.exercise,
                program_set=spec.program_set,
                position=position,
                completed=spec.completed,
                reps=spec.reps,
                load=spec.load,
                load_unit=spec.load_unit,
                rpe=spec.rpe,
                duration_seconds=spec.duration,
                distance_m=spec.distance,
                notes=(spec.notes or "").strip(),
                load_kg=load_kg,
                e1rm_kg=e1rm,
            )
        )
    LoggedSet.objects.bulk_create(rows)


@dataclass
class _Best:
    value: Decimal
    log_id: int
    set_id: int
    achieved_on: date
    unit: str


def _best_of(rows: list[dict]) -> dict[tuple, _Best]:
    """The best of each record over the sets (oldest first: the first to reach it keeps it)."""
    best: dict[tuple, _Best] = {}
    volume: dict[tuple[int, int], _Best] = {}

    def offer(key, candidate: _Best) -> None:
        if candidate.value > 0 and (key not in best or candidate.value > best[key].value):
            best[key] = candidate

    for row in rows:
        exercise_id, reps, load_kg = row["exercise_id"], row["reps"], row["load_kg"]
        here = {
            "log_id": row["log_id"],
            "set_id": row["id"],
            "achieved_on": row["log__performed_on"],
            "unit": row["load_unit"],
        }
        if row["e1rm_kg"] is not None:
            offer((exercise_id, RecordKind.E1RM, 0), _Best(row["e1rm_kg"], **here))
        if 1 <= reps <= records.MAX_E1RM_REPS:
            offer((exercise_id, RecordKind.LOAD_FOR_REPS, reps), _Best(load_kg, **here))
        key = (exercise_id, row["log_id"])
        if key not in volume:
            volume[key] = _Best(Decimal("0"), **here)
        volume[key].value += records.set_volume(load_kg, reps)
    for (exercise_id, _log_id), total in volume.items():
        offer((exercise_id, RecordKind.VOLUME, 0), total)
    return best


def records_recompute(*, client: Client, exercise_ids, log: WorkoutLog | None = None):
    """Bring `client`'s records for `exercise_ids` up to date; the ones `log` newly set.

    Runs inside the caller's transaction. A record is new when it did not exist or
    its value went up, and it is now held by `log`.
    """
    exercise_ids = set(exercise_ids)
    if not exercise_ids:
        return []
    before = {
        (r.exercise_id, r.kind, r.reps): r
        for r in PersonalRecord.objects.filter(client=client, exercise_id__in=exercise_ids)
    }
    rows = list(
        LoggedSet.objects.filter(
            log__client=client,
            exercise_id__in=exercise_ids,
            completed=True,
            load_kg__isnull=False,
            reps__gte=1,
        )
        .order_by("log__performed_on", "log_id", "position", "id")
        .values(
            "id",
            "exercise_id",
            "log_id",
            "log__performed_on",
            "reps",
            "load_kg",
            "e1rm_kg",
            "load_unit",
        )
    )
    best = _best_of(rows)
    created, changed, fresh = [], [], []
    for key, found in best.items():
        exercise_id, kind, reps = key
        old = before.get(key)
        if (
            log is not None
            and found.log_id == log.pk
            and (old is None or found.value > old.value_kg)
        ):
            fresh.append((key, found))
        value = records.round_kg(found.value)
        if old is None:
            created.append(
                PersonalRecord(
                    client=client,
                    exercise_id=exercise_id,
                    kind=kind,
                    reps=reps,
                    value_kg=value,
                    logged_set_id=found.set_id,
                    log_id=found.log_id,
                    achieved_on=found.achieved_on,
                )
            )
        elif (old.value_kg, old.log_id, old.logged_set_id, old.achieved_on) != (
            value,
            found.log_id,
            found.set_id,
            found.achieved_on,
        ):
            old.value_kg, old.log_id = value, found.log_id
            old.logged_set_id, old.achieved_on = found.set_id, found.achieved_on
            changed.append(old)
    gone = [record.pk for key, record in before.items() if key not in best]
    if gone:
        PersonalRecord.objects.filter(pk__in=gone).delete()
    if changed:
        PersonalRecord.objects.bulk_update(
            changed, ["value_kg", "log_id", "logged_set_id", "achieved_on"]
        )
    if created:
        PersonalRecord.objects.bulk_create(created)
    if not fresh:
        return []
    names = dict(
        Exercise.objects.filter(pk__in={key[0] for key, _ in fresh}).values_list("pk", "name")
    )
    order = {RecordKind.E1RM: 0, RecordKind.LOAD_FOR_REPS: 1, RecordKind.VOLUME: 2}
    fresh.sort(key=lambda item: (names[item[0][0]], order[item[0][1]], item[0][2]))
    return [
        NewRecord(
            exercise=names[exercise_id],
            kind=kind,
            reps=reps,
            value_kg=records.round_kg(found.value),
            unit=found.unit,
        )
        for (exercise_id, kind, reps), found in fresh
    ]


def _set_names(sets: list[SetSpec]) -> dict:
    return {"sets": f"{len(sets)} set{'s' if len(sets) != 1 else ''}"}


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def workout_log_create(
    *,
    actor,
    client: Client,
    performed_on: date,
    program_day: ProgramDay | None = None,
    sets: list[SetSpec],
    notes: str = "",
    duration_minutes: int | None = None,
    session_rpe: Decimal | None = None,
) -> WorkoutLog:
    """Log a workout of `client`; `log.new_records` lists the records it set."""
    _require_client(actor, client)
    program = _check_day(client, program_day)
    problems = _Problems()
    _check_date(problems, client, performed_on)
    week_index = _program_week(problems, program, performed_on)
    _check_header(problems, notes, duration_minutes, session_rpe)
    _check_sets(problems, sets, program_day)
    problems.raise_if_any()
    log = WorkoutLog.objects.create(
        client=client,
        program=program,
        program_day=program_day,
        week_index=week_index,
        performed_on=performed_on,
        duration_minutes=duration_minutes,
        session_rpe=_decimal(session_rpe),
        notes=(notes or "").strip(),
        logged_by=actor,
    )
    _write_sets(log, sets)
    log.new_records = records_recompute(
        client=client, exercise_ids={spec.exercise.pk for spec in sets}, log=log
    )
    audit_record(
        actor=actor,
        action="workout_log.create",
        target=log,
        changes={
            "client": client.pk,
            "performed_on": [None, str(performed_on)],
            "program_day": [None, program_day.pk if program_day else None],
            **_set_names(sets),
            "new_records": len(log.new_records),
        },
    )
    return log


def _locked(log: WorkoutLog) -> WorkoutLog:
    return (
        WorkoutLog.objects.select_for_update(of=("self",))
        .select_related("client", "program", "program_day")
        .get(pk=log.pk)
    )


@transaction.atomic
def workout_log_update(
    *,
    actor,
    log: WorkoutLog,
    performed_on: date,
    sets: list[SetSpec],
    notes: str = "",
    duration_minutes: int | None = None,
    session_rpe: Decimal | None = None,
) -> WorkoutLog:
    """Change a workout: its date, details and every set (the sets given replace the old ones)."""
    _require_client(actor, log.client)
    log = _locked(log)
    problems = _Problems()
    if performed_on != log.performed_on:
        _check_date(problems, log.client, performed_on)
    program = log.program if log.program_day_id else None
    week_index = _program_week(problems, program, performed_on) if program else log.week_index
    _check_header(problems, notes, duration_minutes, session_rpe)
    _check_sets(problems, sets, log.program_day)
    problems.raise_if_any()
    touched = set(log.sets.values_list("exercise_id", flat=True))
    touched |= {spec.exercise.pk for spec in sets}
    old_date = log.performed_on
    log.sets.all().delete()
    log.performed_on = performed_on
    log.week_index = week_index
    log.notes = (notes or "").strip()
    log.duration_minutes = duration_minutes
    log.session_rpe = _decimal(session_rpe)
    log.save()
    _write_sets(log, sets)
    log.new_records = records_recompute(client=log.client, exercise_ids=touched, log=log)
    changes = {"sets": f"{len(sets)} set{'s' if len(sets) != 1 else ''}"}
    if old_date != performed_on:
        changes["performed_on"] = [str(old_date), str(performed_on)]
    audit_record(actor=actor, action="workout_log.update", target=log, changes=changes)
    return log


@transaction.atomic
def workout_log_delete(*, actor, log: WorkoutLog) -> None:
    """Delete a workout; the records it held go to the next best sets."""
    _require_client(actor, log.client)
    log = _locked(log)
    client = log.client
    touched = set(log.sets.values_list("exercise_id", flat=True))
    label, pk = str(log), log.pk
    log.delete()
    records_recompute(client=client, exercise_ids=touched)
    audit_record(
        actor=actor,
        action="workout_log.delete",
        object_type="training.workoutlog",
        object_id=str(pk),
        object_label=label,
        changes={"client": client.pk},
    )


def workout_logs_merge(*, duplicate: Client, survivor: Client) -> None:
    """Client merge: the duplicate's workouts move to the survivor, whose records are redone.

    Runs inside client_merge's transaction (register it in clients.services.MERGE_HOOKS).
    """
    touched = set(
        LoggedSet.objects.filter(log__client=duplicate).values_list("exercise_id", flat=True)
    )
    WorkoutLog.objects.filter(client=duplicate).update(client=survivor)
    PersonalRecord.objects.filter(client=duplicate).delete()
    records_recompute(client=survivor, exercise_ids=touched)
