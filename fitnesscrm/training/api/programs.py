"""/api/v1/programs (+ weeks, days, exercises with their sets) and /api/v1/clients/{id}/programs.

Owners, managers and trainers read and build the business's programs and the copies of
the clients whose training they may see (a trainer only their own clients'); a client
reads their own copies; the front desk none. A program or client the caller may not
see answers 404. Loads, RPE and progressions come out as numbers. POSTs that create
honour `Idempotency-Key`.
"""

from django.db.models import Prefetch
from ninja import Header, Query, Router, Status

from fitnesscrm.core.api_helpers import PageParams, invalid, missing, page
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.training.access import coaches
from fitnesscrm.training.api.programs_schemas import (
    AssignIn,
    CopyIn,
    DayIn,
    DayOut,
    DayPatch,
    ProgramDetail,
    ProgramExerciseIn,
    ProgramExerciseOut,
    ProgramExercisePatch,
    ProgramFilters,
    ProgramIn,
    ProgramPage,
    ProgramPatch,
    SetIn,
    WeekIn,
    WeekOut,
    day_out,
    entry_out,
    program_detail,
    program_out,
    week_out,
)
from fitnesscrm.training.models import Program, ProgramDay, ProgramExercise, ProgramWeek
from fitnesscrm.training.selectors import programs as selectors
from fitnesscrm.training.selectors.exercises import exercise_get
from fitnesscrm.training.services import programs as services

router = Router(tags=["Programs"])

IDEMPOTENCY_HEADER = Header(
    None,
    alias=HEADER,
    description="Up to 255 characters; the same key and body within 24 hours answer the "
    "first answer again and never create twice.",
)


def _program(request, program_id: int) -> Program:
    return selectors.program_get(user=request.auth, program_id=program_id)


def _require_coach(user) -> None:
    if not coaches(user):
        raise Forbidden("Only owners, managers and trainers work with programs.")


# --- Programs ----------------------------------------------------------------------------------


@router.get("/programs", response=ProgramPage, summary="The program library")
def program_list(request, filters: Query[ProgramFilters]):
    """The business's live programs by name (owners, managers, trainers)."""
    _require_coach(request.auth)
    programs = selectors.program_library(
        user=request.auth, q=filters.q, tag=filters.tag, templates_only=filters.templates
    )
    return page(programs, filters, lambda rows: [program_out(p) for p in rows])


@router.post("/programs", response={201: ProgramDetail}, summary="Create a program")
def program_create(request, payload: ProgramIn, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """A new library program with week 1 and one empty day. Honours `Idempotency-Key`."""
    user = request.auth

    def run():
        program = services.program_create(actor=user, **payload.model_dump())
        return 201, program_detail(user, program.pk)

    return idempotent(
        request, scope="programs.create", key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.get("/programs/{program_id}", response=ProgramDetail, summary="A program, whole")
def program_get(request, program_id: int):
    """Weeks, days, exercises and sets; a client reads their own copies."""
    return program_detail(request.auth, program_id)


@router.patch("/programs/{program_id}", response=ProgramDetail, summary="Change a program")
def program_patch(request, program_id: int, payload: ProgramPatch):
    program = _program(request, program_id)
    services.program_update(
        actor=request.auth, program=program, **payload.model_dump(exclude_unset=True)
    )
    return program_detail(request.auth, program.pk)


@router.delete("/programs/{program_id}", response={204: None}, summary="Archive a program")
def program_delete(request, program_id: int):
    """Archived, not deleted: it leaves the library (or the client's list) and is read-only."""
    services.program_archive(actor=request.auth, program=_program(request, program_id))
    return Status(204, None)


@router.post("/programs/{program_id}/copy", response={201: ProgramDetail}, summary="Copy")
def program_copy(
    request, program_id: int, payload: CopyIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """A new library program with everything in this one (a client's copy too); with
    `as_template`, a template. Honours `Idempotency-Key`."""
    user = request.auth

    def run():
        program = _program(request, program_id)
        if payload.as_template:
            copy = services.program_save_as_template(actor=user, program=program)
            if payload.name:
                services.program_update(actor=user, program=copy, name=payload.name)
        else:
            copy = services.program_copy(actor=user, program=program, name=payload.name)
        return 201, program_detail(user, copy.pk)

    return idempotent(
        request,
        scope=f"programs.{program_id}.copy",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


@router.post("/programs/{program_id}/weeks", response={201: WeekOut}, summary="Add a week")
def week_create(
    request, program_id: int, payload: WeekIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """After the last week: empty (one day), or a copy of week `copy_of`."""
    user = request.auth

    def run():
        program = _program(request, program_id)
        if payload.copy_of is not None:
            source = program.weeks.filter(number=payload.copy_of).first()
            if source is None:
                raise missing("copy_of", "This program has no such week.")
            week = services.week_copy(actor=user, week=source)
            if payload.notes:
                services.week_update(actor=user, week=week, notes=payload.notes)
        else:
            week = services.week_add(actor=user, program=program, notes=payload.notes)
        return 201, _week(week)

    return idempotent(
        request,
        scope=f"programs.{program_id}.weeks",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


def _week(week: ProgramWeek) -> dict:
    week = ProgramWeek.objects.prefetch_related(
        Prefetch("days", queryset=selectors.days_queryset())
    ).get(pk=week.pk)
    return week_out(week)


# --- Days --------------------------------------------------------------------------------------


def _day(program: Program, day_id: int) -> ProgramDay:
    day = ProgramDay.objects.select_related("week").filter(pk=day_id, week__program=program).first()
    if day is None:
        raise NotFound("No such day in this program.")
    day.week.program = program
    return day


def _day_out(day_id: int) -> dict:
    day = selectors.days_queryset().select_related("week").get(pk=day_id)
    return day_out(day, day.week.number)


@router.post("/programs/{program_id}/days", response={201: DayOut}, summary="Add a day")
def day_create(
    request, program_id: int, payload: DayIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    user = request.auth

    def run():
        program = _program(request, program_id)
        week = program.weeks.filter(number=payload.week).first()
        if week is None:
            raise missing("week", "This program has no such week.")
        week.program = program
        day = services.day_add(actor=user, week=week, name=payload.name, notes=payload.notes)
        return 201, _day_out(day.pk)

    return idempotent(
        request,
        scope=f"programs.{program_id}.days",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


@router.patch("/programs/{program_id}/days/{day_id}", response=DayOut, summary="Change a day")
def day_patch(request, program_id: int, day_id: int, payload: DayPatch):
    day = _day(_program(request, program_id), day_id)
    services.day_update(actor=request.auth, day=day, **payload.model_dump(exclude_unset=True))
    return _day_out(day.pk)


@router.delete("/programs/{program_id}/days/{day_id}", response={204: None}, summary="Remove")
def day_delete(request, program_id: int, day_id: int):
    day = _day(_program(request, program_id), day_id)
    services.day_remove(actor=request.auth, day=day)
    return Status(204, None)


# --- Exercises ---------------------------------------------------------------------------------


def _sets(sets: list[SetIn] | None) -> list[dict] | None:
    return None if sets is None else [s.model_dump() for s in sets]


def _entry_out(entry_id: int) -> dict:
    return entry_out(selectors.entries_queryset().get(pk=entry_id))


@router.post(
    "/programs/{program_id}/days/{day_id}/exercises",
    response={201: ProgramExerciseOut},
    summary="Add an exercise to a day",
)
def exercise_create(
    request,
    program_id: int,
    day_id: int,
    payload: ProgramExerciseIn,
    idempotency_key: str | None = IDEMPOTENCY_HEADER,
):
    """At the end of the day, with `sets` (or a start that suits the exercise)."""
    user = request.auth

    def run():
        day = _day(_program(request, program_id), day_id)
        try:
            exercise = exercise_get(user=user, exercise_id=payload.exercise)
        except NotFound as exc:
            raise missing("exercise", "No such exercise.") from exc
        entry = services.program_exercise_add(
            actor=user,
            day=day,
            exercise=exercise,
            sets=_sets(payload.sets),
            superset=payload.superset,
            notes=payload.notes,
            progression_step=payload.progression_step,
        )
        return 201, _entry_out(entry.pk)

    return idempotent(
        request,
        scope=f"programs.{program_id}.days.{day_id}.exercises",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


def _entry(program: Program, entry_id: int) -> ProgramExercise:
    entry = (
        ProgramExercise.objects.select_related("day__week", "exercise")
        .filter(pk=entry_id, day__week__program=program)
        .first()
    )
    if entry is None:
        raise NotFound("No such exercise in this program.")
    entry.day.week.program = program
    return entry


@router.patch(
    "/programs/{program_id}/exercises/{entry_id}",
    response=ProgramExerciseOut,
    summary="Change, move or re-set an exercise of a program",
)
def exercise_patch(request, program_id: int, entry_id: int, payload: ProgramExercisePatch):
    """Superset, notes, progression; `day` and/or `position` move it; `sets` replaces its sets."""
    user = request.auth
    program = _program(request, program_id)
    entry = _entry(program, entry_id)
    sent = payload.model_dump(exclude_unset=True)
    day_id = sent.pop("day", None)
    position = sent.pop("position", None)
    if "sets" in sent:
        sent["sets"] = _sets(payload.sets) or []
    if sent:
        services.program_exercise_update(actor=user, program_exercise=entry, **sent)
    if day_id is not None or position is not None:
        target = None
        if day_id is not None:
            try:
                target = _day(program, day_id)
            except NotFound as exc:
                raise missing("day", "No such day in this program.") from exc
        services.program_exercise_move(
            actor=user, program_exercise=entry, day=target, position=position
        )
    return _entry_out(entry.pk)


@router.delete(
    "/programs/{program_id}/exercises/{entry_id}", response={204: None}, summary="Remove"
)
def exercise_delete(request, program_id: int, entry_id: int):
    entry = _entry(_program(request, program_id), entry_id)
    services.program_exercise_remove(actor=request.auth, program_exercise=entry)
    return Status(204, None)


# --- A client's programs -----------------------------------------------------------------------


@router.get("/clients/{client_id}/programs", response=ProgramPage, summary="A client's programs")
def client_program_list(request, client_id: int, params: Query[PageParams]):
    """Their copies, newest start first; a client reads their own."""
    programs = selectors.client_programs(user=request.auth, client_id=client_id).prefetch_related(
        "tags"
    )
    return page(programs, params, lambda rows: [program_out(p) for p in rows])


@router.post(
    "/clients/{client_id}/programs",
    response={201: ProgramDetail},
    summary="Assign a program to a client",
)
def client_program_assign(
    request, client_id: int, payload: AssignIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """The client gets a copy of their own from `start_date`. Honours `Idempotency-Key`."""
    user = request.auth

    def run():
        _require_coach(user)
        client = selectors.client_for_programs(user=user, client_id=client_id)
        try:
            program = selectors.program_get(user=user, program_id=payload.program)
        except NotFound as exc:
            raise missing("program", "No such program.") from exc
        if payload.end_date is not None and payload.end_date < payload.start_date:
            raise invalid("end_date", "The end date is before the start date.")
        copy = services.program_assign(
            actor=user,
            program=program,
            client=client,
            start_date=payload.start_date,
            end_date=payload.end_date,
        )
        return 201, program_detail(user, copy.pk)

    return idempotent(
        request,
        scope=f"clients.{client_id}.programs",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )
