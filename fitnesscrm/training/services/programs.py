"""Programs as a whole: create, change, tag, archive, copy, save as a template, assign to a
client and end a client's copy. The builder's writes (weeks, days, exercises, sets) are in
`programs_builder`.

A copy is deep: its weeks, days, exercises and sets are new rows, so changing the copy
never changes what it came from.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client
from fitnesscrm.core.audit import audit_record, field_changes
from fitnesscrm.core.errors import ApplicationError, Conflict, NotFound
from fitnesscrm.trainers.models import Trainer
from fitnesscrm.training.access import coached_clients
from fitnesscrm.training.models import (
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramStatus,
    ProgramTag,
    ProgramWeek,
)
from fitnesscrm.training.services.programs_builder import (  # noqa: F401 (one import for callers)
    day_add,
    day_remove,
    day_update,
    program_exercise_add,
    program_exercise_move,
    program_exercise_remove,
    program_exercise_reorder,
    program_exercise_update,
    program_set_add,
    program_set_copy_last,
    program_set_remove,
    program_set_update,
    week_add,
    week_copy,
    week_remove,
    week_update,
)
from fitnesscrm.training.services.programs_rules import (
    field_error,
    require_builder,
    require_writable,
)

MAX_TAGS = 10
MAX_NAME = 120
MAX_DESCRIPTION = 4000
MAX_TAG = 40


def _trainer_of(user) -> Trainer | None:
    return Trainer.objects.filter(user=user).first() if user is not None else None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise field_error("name", "Give the program a name.")
    if len(name) > MAX_NAME:
        raise field_error("name", f"A name is at most {MAX_NAME} characters.")
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise field_error("description", f"A description is at most {MAX_DESCRIPTION} characters.")
    return description


def tags_resolve(names) -> list[ProgramTag]:
    """The tags named (made when new), matched ignoring case; at most ten, each up to 40 chars.

    Call inside the caller's transaction.
    """
    if isinstance(names, str):
        names = names.split(",")
    wanted: dict[str, str] = {}
    for raw in names or ():
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > MAX_TAG:
            raise field_error("tags", f"A tag is at most {MAX_TAG} characters: “{name[:40]}…”.")
        wanted.setdefault(name.casefold(), name)
    if len(wanted) > MAX_TAGS:
        raise field_error("tags", f"A program has at most {MAX_TAGS} tags.")
    tags = []
    for name in wanted.values():
        tag = ProgramTag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = ProgramTag.objects.create(name=name)
        tags.append(tag)
    return tags


@transaction.atomic
def program_create(
    *,
    actor,
    name: str,
    description: str = "",
    tags=(),
    is_template: bool = False,
) -> Program:
    """A new, empty program of the business (week 1 with one day, ready to build)."""
    require_builder(actor)
    program = Program.objects.create(
        name=_clean_name(name),
        description=_clean_description(description),
        is_template=bool(is_template),
        trainer=_trainer_of(actor),
        created_by=actor,
    )
    found = tags_resolve(tags)
    program.tags.set(found)
    week = ProgramWeek.objects.create(program=program, number=1)
    ProgramDay.objects.create(week=week, position=1, name="Day 1")
    audit_record(
        actor=actor,
        action="program.create",
        target=program,
        changes={"name": [None, program.name], "tags": [None, [t.name for t in found]]},
    )
    return program


_UNSET = object()


@transaction.atomic
def program_update(
    *,
    actor,
    program: Program,
    name=_UNSET,
    description=_UNSET,
    tags=_UNSET,
    is_template=_UNSET,
) -> Program:
    """Change a program's name, description, tags or template flag (only those given)."""
    require_writable(actor, program)
    before = {"name": program.name, "description": program.description,
              "is_template": program.is_template}  # fmt: skip
    if name is not _UNSET:
        program.name = _clean_name(name)
    if description is not _UNSET:
        program.description = _clean_description(description)
    if is_template is not _UNSET:
        if is_template and program.client_id is not None:
            raise field_error(
                "is_template", "A client's copy cannot be a template; save it as one."
            )
        program.is_template = bool(is_template)
    program.save()
    changes = field_changes(program, before, ["name", "description", "is_template"])
    if tags is not _UNSET:
        old = sorted(program.tags.values_list("name", flat=True))
        found = tags_resolve(tags)
        program.tags.set(found)
        new = sorted(t.name for t in found)
        if old != new:
            changes["tags"] = [old, new]
    audit_record(actor=actor, action="program.update", target=program, changes=changes)
    return program


@transaction.atomic
def program_archive(*, actor, program: Program) -> Program:
    """Take a program out of the library (or a client's list); it stays readable by id."""
    require_writable(actor, program)
    program.archived_at = timezone.now()
    if program.client_id is not None and program.status == ProgramStatus.ACTIVE:
        program.status = ProgramStatus.STOPPED
    program.save(update_fields=["archived_at", "status", "updated_at"])
    audit_record(actor=actor, action="program.archive", target=program)
    return program


# --- Deep copies -----------------------------------------------------------------------------


def copy_contents(source: Program, target: Program, *, weeks=None) -> None:
    """Copy the weeks (all, or those given) of `source` into `target`, numbered after its own.

    Five queries whatever the size: weeks, days, exercises and sets are read and written
    in bulk.
    """
    weeks = list(weeks if weeks is not None else source.weeks.order_by("number"))
    week_ids = [w.pk for w in weeks]
    days = list(ProgramDay.objects.filter(week_id__in=week_ids).order_by("position", "id"))
    entries = list(
        ProgramExercise.objects.filter(day__week_id__in=week_ids).order_by("position", "id")
    )
    sets = list(
        ProgramSet.objects.filter(program_exercise__day__week_id__in=week_ids).order_by(
            "position", "id"
        )
    )
    start = (target.weeks.order_by("-number").values_list("number", flat=True).first()) or 0
    new_weeks = ProgramWeek.objects.bulk_create(
        [
            ProgramWeek(program=target, number=start + index, notes=week.notes)
            for index, week in enumerate(weeks, start=1)
        ]
    )
    week_map = {old.pk: new for old, new in zip(weeks, new_weeks, strict=True)}
    new_days = ProgramDay.objects.bulk_create(
        [
            ProgramDay(week=week_map[d.week_id], position=d.position, name=d.name, notes=d.notes)
            for d in days
        ]
    )
    day_map = {old.pk: new for old, new in zip(days, new_days, strict=True)}
    new_entries = ProgramExercise.objects.bulk_create(
        [
            ProgramExercise(
                day=day_map[e.day_id],
                exercise_id=e.exercise_id,
                position=e.position,
                superset=e.superset,
                notes=e.notes,
                progression_step=e.progression_step,
            )
            for e in entries
        ]
    )
    entry_map = {old.pk: new for old, new in zip(entries, new_entries, strict=True)}
    copied = []
    for s in sets:
        values = {f: getattr(s, f) for f in _SET_COPY_FIELDS}
        copied.append(ProgramSet(program_exercise=entry_map[s.program_exercise_id], **values))
    ProgramSet.objects.bulk_create(copied)


_SET_COPY_FIELDS = (
    "position",
    "is_warmup",
    "reps_min",
    "reps_max",
    "load",
    "load_unit",
    "rpe",
    "rir",
    "tempo",
    "rest_seconds",
    "duration_seconds",
    "distance_m",
)


def _library_copy(*, actor, program: Program, name: str, is_template: bool) -> Program:
    copy = Program.objects.create(
        name=_clean_name(name),
        description=program.description,
        is_template=is_template,
        trainer=_trainer_of(actor) or program.trainer,
        source=program,
        created_by=actor,
    )
    copy.tags.set(program.tags.all())
    copy_contents(program, copy)
    return copy


def _readable_for_copy(actor, program: Program) -> None:
    """Copying needs a coach who may see the program (archived ones may be copied)."""
    require_builder(actor)
    if (
        program.client_id is not None
        and not coached_clients(actor).filter(pk=program.client_id).exists()
    ):
        raise NotFound("No such program.")


@transaction.atomic
def program_copy(*, actor, program: Program, name: str | None = None) -> Program:
    """A new library program with everything in `program`; "Copy of …" unless named."""
    _readable_for_copy(actor, program)
    name = name if name is not None else f"Copy of {program.name}"[:MAX_NAME]
    copy = _library_copy(
        actor=actor,
        program=program,
        name=name,
        is_template=program.is_template and program.client_id is None,
    )
    audit_record(
        actor=actor, action="program.copy", target=copy, changes={"source": [None, program.pk]}
    )
    return copy


@transaction.atomic
def program_save_as_template(*, actor, program: Program) -> Program:
    """A new library template from `program` (a client's copy or a program); the original stays."""
    _readable_for_copy(actor, program)
    template = _library_copy(actor=actor, program=program, name=program.name, is_template=True)
    audit_record(
        actor=actor,
        action="program.save_as_template",
        target=template,
        changes={"source": [None, program.pk]},
    )
    return template


# --- Client copies ---------------------------------------------------------------------------


def _coach_of(client: Client) -> Trainer | None:
    assignment = (
        Assignment.objects.filter(client=client, end_date__isnull=True)
        .select_related("trainer")
        .order_by("-is_primary", "start_date", "id")
        .first()
    )
    return assignment.trainer if assignment else None


@transaction.atomic
def program_assign(
    *,
    actor,
    program: Program,
    client: Client,
    start_date: date,
    end_date: date | None = None,
) -> Program:
    """Give `client` their own copy of `program`, starting on `start_date`.

    Refused when the client is not one the actor coaches (NotFound), is archived, when
    the program has no exercises or is archived, or when the end is before the start.
    The copy's coach is the acting trainer, or else the client's trainer.
    """
    require_builder(actor)
    if not coached_clients(actor).filter(pk=client.pk).exists():
        if client.archived_at is not None and _sees_archived(actor, client):
            raise Conflict("This client is archived; restore them before assigning a program.")
        raise NotFound("No such client.")
    if (
        program.client_id is not None
        and not coached_clients(actor).filter(pk=program.client_id).exists()
    ):
        raise field_error("program", "No such program.")
    if program.archived_at is not None:
        raise field_error("program", "This program is archived; choose another.")
    if start_date is None:
        raise field_error("start_date", "Choose the day the program starts.")
    if end_date is not None and end_date < start_date:
        raise field_error("end_date", "The end date is before the start date.")
    if not ProgramExercise.objects.filter(day__week__program=program).exists():
        raise field_error("program", "This program has no exercises yet; build it first.")
    copy = Program.objects.create(
        name=program.name,
        description=program.description,
        is_template=False,
        trainer=_trainer_of(actor) or _coach_of(client) or program.trainer,
        client=client,
        source=program,
        status=ProgramStatus.ACTIVE,
        start_date=start_date,
        end_date=end_date,
        assigned_by=actor,
        created_by=actor,
    )
    copy.tags.set(program.tags.all())
    copy_contents(program, copy)
    audit_record(
        actor=actor,
        action="program.assign",
        target=copy,
        changes={
            "client": [None, client.pk],
            "source": [None, program.pk],
            "start_date": [None, str(start_date)],
            "end_date": [None, str(end_date) if end_date else None],
        },
    )
    return copy


def _sees_archived(actor, client: Client) -> bool:
    from fitnesscrm.clients.selectors import visible_clients

    return visible_clients(actor, include_archived=True).filter(pk=client.pk).exists()


def _end(*, actor, program: Program, status: str, action: str) -> Program:
    require_writable(actor, program)
    if program.client_id is None:
        raise ApplicationError("Only a client's copy of a program can be stopped or completed.")
    if program.status != ProgramStatus.ACTIVE:
        raise Conflict(f"This program is already {program.get_status_display().lower()}.")
    old = program.status
    program.status = status
    today = timezone.localdate()
    if program.end_date is None or program.end_date > today:
        program.end_date = max(today, program.start_date)
    program.save(update_fields=["status", "end_date", "updated_at"])
    audit_record(actor=actor, action=action, target=program, changes={"status": [old, status]})
    return program


@transaction.atomic
def program_stop(*, actor, program: Program) -> Program:
    """End a client's active copy early (it stays in their history)."""
    return _end(actor=actor, program=program, status=ProgramStatus.STOPPED, action="program.stop")


@transaction.atomic
def program_complete(*, actor, program: Program) -> Program:
    """Mark a client's active copy as done."""
    return _end(
        actor=actor, program=program, status=ProgramStatus.COMPLETED, action="program.complete"
    )


def programs_merge(*, duplicate: Client, survivor: Client) -> None:
    """Client merge: the duplicate's copies of programs become the survivor's.

    Runs inside client_merge's transaction (registered in clients.services.MERGE_HOOKS
    by training/apps.py); their workout logs keep pointing at them.
    """
    Program.objects.filter(client=duplicate).update(client=survivor, updated_at=timezone.now())
