"""/api/v1/workout-logs, /clients/{id}/records and /clients/{id}/adherence.

Staff who may see a client (owners, managers, the client's trainers) read and log
their workouts; a client reads and logs their own (leave `client_id` out); the
front desk gets 403. A log, client, program day or exercise the caller may not see
answers 404. Bad numbers (negative reps, a load over 1000, RPE over 10) answer 422
naming the field, like `sets.0.load`, and nothing is stored.
"""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from django.db import transaction
from ninja import Field, Header, Query, Router, Schema, Status

from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.api_helpers import PageParams, invalid, missing, page, text, utc
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.training import records as maths
from fitnesscrm.training.models import Exercise, ProgramDay, ProgramSet
from fitnesscrm.training.selectors import workouts as selectors
from fitnesscrm.training.services import workouts as services
from fitnesscrm.training.services.workouts import MAX_SETS, SetSpec

router = Router(tags=["Training"])


# --- Schemas ------------------------------------------------------------------------------------


class LoggedSetIn(Schema):
    program_set_id: int | None = Field(
        None, description="The planned set this one answers (of the day logged); null for extra."
    )
    exercise_id: int | None = Field(
        None, description="Required for an extra set; taken from the planned set otherwise."
    )
    completed: bool = Field(True, description="False for a planned set that was not done.")
    reps: int | None = Field(None, description="0 to 500.")
    load: Decimal | None = Field(None, description="0 to 1000, in `load_unit`.")
    load_unit: text(8) = Field("kg", description="kg or lb.")
    rpe: Decimal | None = Field(None, description="1 to 10, one decimal.")
    duration_seconds: int | None = Field(None, description="0 to 86400.")
    distance_m: int | None = Field(None, description="0 to 1,000,000.")
    notes: text(500) = ""


class LogIn(Schema):
    client_id: int | None = Field(
        None, description="Required for staff; a client logs their own and may leave it out."
    )
    performed_on: date = Field(description="Not in the future.")
    program_day_id: int | None = Field(
        None, description="A day of the client's active program; null for a workout off-plan."
    )
    sets: list[LoggedSetIn] = Field(min_length=1, max_length=MAX_SETS)
    notes: text(4000) = ""
    duration_minutes: int | None = Field(None, description="1 to 600.")
    session_rpe: Decimal | None = Field(None, description="1 to 10.")


class LogPut(Schema):
    performed_on: date
    sets: list[LoggedSetIn] = Field(min_length=1, max_length=MAX_SETS)
    notes: text(4000) = ""
    duration_minutes: int | None = None
    session_rpe: Decimal | None = None


class LogPatch(Schema):
    """Only the fields sent change; `sets`, when sent, replace every set of the workout."""

    performed_on: date | None = None
    sets: list[LoggedSetIn] | None = Field(None, min_length=1, max_length=MAX_SETS)
    notes: text(4000) | None = None
    duration_minutes: int | None = None
    session_rpe: Decimal | None = None


class Ref(Schema):
    id: int
    name: str


class ClientRef(Schema):
    id: int
    full_name: str


class LoggedSetOut(Schema):
    id: int
    position: int
    exercise: Ref
    program_set_id: int | None
    completed: bool
    reps: int | None
    load: float | None = Field(description="As logged, in `load_unit`.")
    load_unit: str
    load_kg: float | None
    e1rm_kg: float | None = Field(description="Epley's estimate; null above 12 reps.")
    rpe: float | None
    duration_seconds: int | None
    distance_m: int | None
    notes: str


class NewRecordOut(Schema):
    exercise: str
    kind: str = Field(description="e1rm, load_for_reps or volume.")
    reps: int
    value_kg: float
    text: str = Field(description='Ready to show: "Back squat e1RM 142.5 kg".')


class LogOut(Schema):
    id: int
    client: ClientRef
    program: Ref | None
    program_day: Ref | None
    week_index: int | None = Field(description="Week of the program (0 = the first).")
    performed_on: date
    duration_minutes: int | None
    session_rpe: float | None
    notes: str
    sets: list[LoggedSetOut]
    created_at: str
    updated_at: str


class LogWrittenOut(LogOut):
    new_records: list[NewRecordOut]


class LogPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LogOut]


class RecordOut(Schema):
    exercise: Ref
    kind: str = Field(description="e1rm, load_for_reps or volume.")
    reps: int = Field(description="The rep count of a load_for_reps record; 0 otherwise.")
    value_kg: float
    value_lb: float | None = Field(description="When the set was logged in lb.")
    achieved_on: date
    log_id: int


class RecordPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RecordOut]


class AdherenceWeekOut(Schema):
    index: int = Field(description="Week of the assignment, 0 = the first.")
    program_week: int
    starts_on: date
    planned: int
    completed: int
    percent: int | None
    current: bool


class AdherenceOut(Schema):
    program: Ref
    client: ClientRef
    start_date: date
    planned: int = Field(description="Planned sessions over the finished weeks shown.")
    completed: int
    percent: int | None
    weeks: list[AdherenceWeekOut] = Field(description="Newest first.")


# --- Rendering ----------------------------------------------------------------------------------


def _num(value) -> float | None:
    return float(value) if value is not None else None


def _name_ref(obj) -> dict | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def log_out(log) -> dict:
    return {
        "id": log.pk,
        "client": {"id": log.client_id, "full_name": log.client.full_name},
        "program": _name_ref(log.program),
        "program_day": _name_ref(log.program_day),
        "week_index": log.week_index,
        "performed_on": log.performed_on,
        "duration_minutes": log.duration_minutes,
        "session_rpe": _num(log.session_rpe),
        "notes": log.notes,
        "sets": [
            {
                "id": s.pk,
                "position": s.position,
                "exercise": {"id": s.exercise_id, "name": s.exercise.name},
                "program_set_id": s.program_set_id,
                "completed": s.completed,
                "reps": s.reps,
                "load": _num(s.load),
                "load_unit": s.load_unit,
                "load_kg": _num(s.load_kg),
                "e1rm_kg": _num(s.e1rm_kg),
                "rpe": _num(s.rpe),
                "duration_seconds": s.duration_seconds,
                "distance_m": s.distance_m,
                "notes": s.notes,
            }
            for s in log.sets.all()
        ],
        "created_at": utc(log.created_at).isoformat(),
        "updated_at": utc(log.updated_at).isoformat(),
    }


def _written(user, log) -> dict:
    body = log_out(selectors.workout_log_get(user=user, log_id=log.pk))
    body["new_records"] = [
        {
            "exercise": r.exercise,
            "kind": r.kind,
            "reps": r.reps,
            "value_kg": float(r.value_kg),
            "text": str(r),
        }
        for r in log.new_records
    ]
    return LogWrittenOut(**body).model_dump(mode="json")


# --- Turning a body into the service's arguments ------------------------------------------------

_RENAMED = {
    "exercise": "exercise_id",
    "program_set": "program_set_id",
    "duration": "duration_seconds",
    "distance": "distance_m",
    "program_day": "program_day_id",
}


@contextmanager
def _api_field_names():
    """The service's field names (`sets.0.duration`) as the body's (`sets.0.duration_seconds`)."""
    try:
        yield
    except ApplicationError as exc:
        for error in exc.errors:
            name = error.get("field") or ""
            head, _, last = name.rpartition(".")
            if last in _RENAMED:
                error["field"] = f"{head}.{_RENAMED[last]}" if head else _RENAMED[last]
            error.setdefault("location", "body")
        raise


def _program_day(client, program_day_id: int | None):
    if program_day_id is None:
        return None
    day = (
        ProgramDay.objects.select_related("week__program")
        .filter(pk=program_day_id, week__program__client=client)
        .first()
    )
    if day is None:
        raise missing("program_day_id", "No such program day.")
    return day


def _specs(sets: list[LoggedSetIn], program_day) -> list[SetSpec]:
    """SetSpecs for the body's sets: exercises and planned sets looked up in two queries."""
    exercise_ids = {s.exercise_id for s in sets if s.exercise_id is not None}
    exercises = Exercise.objects.in_bulk(exercise_ids)
    set_ids = {s.program_set_id for s in sets if s.program_set_id is not None}
    planned = {}
    if set_ids and program_day is not None:
        planned = ProgramSet.objects.select_related("program_exercise__exercise").in_bulk(set_ids)
    specs = []
    for index, item in enumerate(sets):
        exercise = None
        if item.exercise_id is not None:
            exercise = exercises.get(item.exercise_id)
            if exercise is None:
                raise missing(f"sets.{index}.exercise_id", "No such exercise.")
        program_set = None
        if item.program_set_id is not None:
            program_set = planned.get(item.program_set_id)
            if program_set is None or program_set.program_exercise.day_id != program_day.pk:
                raise invalid(
                    f"sets.{index}.program_set_id", "This planned set is not on the day logged."
                )
        specs.append(
            SetSpec(
                exercise=exercise,
                program_set=program_set,
                reps=item.reps,
                load=item.load,
                load_unit=item.load_unit,
                rpe=item.rpe,
                duration=item.duration_seconds,
                distance=item.distance_m,
                completed=item.completed,
                notes=item.notes,
            )
        )
    return specs


def _existing_specs(log) -> list[SetSpec]:
    return [
        SetSpec(
            exercise=s.exercise,
            program_set=s.program_set,
            reps=s.reps,
            load=s.load,
            load_unit=s.load_unit,
            rpe=s.rpe,
            duration=s.duration_seconds,
            distance=s.distance_m,
            completed=s.completed,
            notes=s.notes,
        )
        for s in log.sets.select_related("program_set__program_exercise__exercise", "exercise")
    ]


def _client(user, client_id: int | None):
    own = client_of_user(user)
    if client_id is None:
        if own is None:
            raise invalid("client_id", "Choose the client whose workout this is.")
        client_id = own.pk
    try:
        return selectors.training_client_get(user=user, client_id=client_id)
    except NotFound as exc:
        raise missing("client_id", "No such client.") from exc


# --- Endpoints ----------------------------------------------------------------------------------


class LogFilters(PageParams):
    client_id: int | None = None
    date_from: date | None = Field(None, description="Workouts on or after this day.")
    date_to: date | None = Field(None, description="…and on or before this one.")


@router.get("/workout-logs", response=LogPage, summary="Workout logs the caller may see")
def workout_log_list(request, filters: Query[LogFilters]):
    """Newest first. Owners and managers see every client's; a trainer their clients';
    a client their own."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise invalid("date_to", "The end of the range is before its start.", location="query")
    logs = selectors.workout_logs(
        user=request.auth,
        client_id=filters.client_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return page(logs, filters, lambda rows: [log_out(log) for log in rows])


@router.post("/workout-logs", response={201: LogWrittenOut}, summary="Log a workout")
def workout_log_create(
    request,
    payload: LogIn,
    idempotency_key: str | None = Header(
        None,
        alias=HEADER,
        description=(
            "Up to 255 characters. The same key and body within 24 hours answer the first "
            "status and body again and never log twice."
        ),
    ),
):
    """201 with the workout and `new_records`, the personal records it set."""
    user = request.auth

    def run() -> tuple[int, dict]:
        client = _client(user, payload.client_id)
        program_day = _program_day(client, payload.program_day_id)
        specs = _specs(payload.sets, program_day)
        with _api_field_names():
            log = services.workout_log_create(
                actor=user,
                client=client,
                performed_on=payload.performed_on,
                program_day=program_day,
                sets=specs,
                notes=payload.notes,
                duration_minutes=payload.duration_minutes,
                session_rpe=payload.session_rpe,
            )
        return 201, _written(user, log)

    return idempotent(
        request,
        scope="workout-logs.create",
        key=idempotency_key,
        payload=payload.model_dump(mode="json"),
        run=run,
    )


@router.get("/workout-logs/{log_id}", response=LogOut, summary="One workout log")
def workout_log_get(request, log_id: int):
    return log_out(selectors.workout_log_get(user=request.auth, log_id=log_id))


def _update(user, log_id: int, sent: dict, sets: list[LoggedSetIn] | None) -> dict:
    log = selectors.workout_log_get(user=user, log_id=log_id)
    with transaction.atomic():
        specs = _specs(sets, log.program_day) if sets is not None else _existing_specs(log)
        with _api_field_names():
            log = services.workout_log_update(
                actor=user,
                log=log,
                performed_on=sent.get("performed_on", log.performed_on),
                sets=specs,
                notes=sent.get("notes", log.notes),
                duration_minutes=sent.get("duration_minutes", log.duration_minutes),
                session_rpe=sent.get("session_rpe", log.session_rpe),
            )
    return _written(user, log)


@router.put("/workout-logs/{log_id}", response=LogWrittenOut, summary="Replace a workout log")
def workout_log_put(request, log_id: int, payload: LogPut):
    """Every field and set as sent (what is left out is cleared)."""
    sent = payload.model_dump()
    sent.pop("sets")
    return _update(request.auth, log_id, sent, payload.sets)


@router.patch("/workout-logs/{log_id}", response=LogWrittenOut, summary="Change a workout log")
def workout_log_patch(request, log_id: int, payload: LogPatch):
    sent = payload.model_dump(exclude_unset=True)
    sent.pop("sets", None)
    for name in ("performed_on", "notes"):
        if name in sent and sent[name] is None:
            raise invalid(name, "This field cannot be empty.")
    return _update(request.auth, log_id, sent, payload.sets)


@router.delete("/workout-logs/{log_id}", response={204: None}, summary="Delete a workout log")
def workout_log_delete(request, log_id: int):
    """The records it held go back to the next best sets."""
    log = selectors.workout_log_get(user=request.auth, log_id=log_id)
    services.workout_log_delete(actor=request.auth, log=log)
    return Status(204, None)


@router.get(
    "/clients/{client_id}/records", response=RecordPage, summary="A client's personal records"
)
def client_records(request, client_id: int, params: Query[PageParams]):
    """By exercise: estimated 1RM, best load for each rep count from 1 to 12, best workout
    volume; in kg, with lb alongside when the set was logged in lb."""
    rows = selectors.personal_records(user=request.auth, client_id=client_id)

    def build(items):
        return [
            {
                "exercise": {"id": r.exercise_id, "name": r.exercise.name},
                "kind": r.kind,
                "reps": r.reps,
                "value_kg": float(r.value_kg),
                "value_lb": (
                    float(maths.round_kg(maths.from_kg(r.value_kg, maths.LB)))
                    if r.logged_set is not None and r.logged_set.load_unit == maths.LB
                    else None
                ),
                "achieved_on": r.achieved_on,
                "log_id": r.log_id,
            }
            for r in items
        ]

    return page(rows, params, build)


class AdherenceParams(Schema):
    weeks: int = Field(8, ge=1, le=52, description="How many weeks back, this one included.")


@router.get(
    "/clients/{client_id}/adherence",
    response=list[AdherenceOut],
    summary="Planned versus completed sessions per week",
)
def client_adherence(request, client_id: int, params: Query[AdherenceParams]):
    """Per active program of the client and per calendar week: the days the program plans
    and the distinct days logged; `percent` overall covers the finished weeks."""
    rows = selectors.adherence(user=request.auth, client_id=client_id, weeks=params.weeks)
    return [
        {
            "program": {"id": row.program.pk, "name": row.program.name},
            "client": {"id": row.client.pk, "full_name": row.client.full_name},
            "start_date": row.program.start_date,
            "planned": row.planned,
            "completed": row.completed,
            "percent": row.percent,
            "weeks": [
                {
                    "index": w.index,
                    "program_week": w.program_week,
                    "starts_on": w.starts_on,
                    "planned": w.planned,
                    "completed": w.completed,
                    "percent": w.percent,
                    "current": w.current,
                }
                for w in row.weeks
            ],
        }
        for row in rows
    ]
