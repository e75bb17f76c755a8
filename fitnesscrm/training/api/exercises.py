"""/api/v1/exercises: the exercise library, read by coaching staff and clients.

Owners, managers, trainers and clients read it; owners, managers and trainers add and
change the business's own exercises (a client's write answers 403); the front desk
gets 403 on every endpoint. Shipped exercises cannot be changed (403
shipped_exercise); owners and managers may archive one. Muscles and equipment are
given and returned by their slugs (`GET /exercises/muscle-groups` and
`/exercises/equipment` list them).
"""

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Field, Header, Query, Router, Schema, Status

from fitnesscrm.core.api_helpers import PageParams, invalid, page, text, utc
from fitnesscrm.core.errors import Forbidden
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.training.models import Category, Equipment, Exercise, Level, MuscleGroup, Tracking
from fitnesscrm.training.selectors.exercises import (
    MAX_QUERY_LENGTH,
    equipment_list,
    exercise_get,
    exercise_list,
    keeps_library,
    muscle_group_list,
    reads_library,
)
from fitnesscrm.training.services import exercises as services

router = Router(tags=["Training"])

MAX_TAGS = 30
CategoryValue = Literal[tuple(Category.values)]  # type: ignore[valid-type]
LevelValue = Literal[tuple(Level.values)]  # type: ignore[valid-type]
TrackingValue = Literal[tuple(Tracking.values)]  # type: ignore[valid-type]
Slug = text(40, 1)


def _require_reader(user) -> None:
    if not reads_library(user):
        raise Forbidden("The exercise library is not available to your role.")


# --- Schemas -----------------------------------------------------------------------------------


class SlugRef(Schema):
    slug: str
    name: str


class SlugRefPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SlugRef]


class ExerciseOut(Schema):
    id: int
    name: str
    library_key: str = Field(description="Set for exercises shipped with FitnessCRM.")
    is_custom: bool = Field(description="One of the business's own exercises.")
    category: str
    level: str
    tracking: str = Field(description="What a set records: " + ", ".join(Tracking.values) + ".")
    primary_muscles: list[SlugRef]
    secondary_muscles: list[SlugRef]
    equipment: list[SlugRef]
    instructions: str
    video_url: str
    image_url: str | None = Field(description="Where the picture is served (signed in).")
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ExercisePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ExerciseOut]


class ExerciseFilters(PageParams):
    q: str = Field("", max_length=MAX_QUERY_LENGTH, description="Words of the name.")
    muscle: str = Field("", max_length=40, description="A muscle-group slug, primary or secondary.")
    equipment: str = Field("", max_length=40, description="An equipment slug.")
    category: CategoryValue | None = None
    level: LevelValue | None = None
    include_archived: bool = Field(False, description="Coaching staff: archived ones too.")


class ExerciseIn(Schema):
    name: text(120, 1)
    category: CategoryValue = Category.STRENGTH
    level: LevelValue = Level.BEGINNER
    tracking: TrackingValue = Tracking.WEIGHT_REPS
    primary_muscles: list[Slug] = Field(min_length=1, max_length=MAX_TAGS)
    secondary_muscles: list[Slug] = Field([], max_length=MAX_TAGS)
    equipment: list[Slug] = Field([], max_length=MAX_TAGS)
    instructions: text(4000) = ""
    video_url: text(500) = Field("", description="http:// or https:// only.")


class ExercisePatch(Schema):
    name: text(120, 1) | None = None
    category: CategoryValue | None = None
    level: LevelValue | None = None
    tracking: TrackingValue | None = None
    primary_muscles: list[Slug] | None = Field(None, min_length=1, max_length=MAX_TAGS)
    secondary_muscles: list[Slug] | None = Field(None, max_length=MAX_TAGS)
    equipment: list[Slug] | None = Field(None, max_length=MAX_TAGS)
    instructions: text(4000) | None = None
    video_url: text(500) | None = None


# --- Pieces ------------------------------------------------------------------------------------


def _refs(items) -> list[dict]:
    return [{"slug": item.slug, "name": item.name} for item in items]


def exercise_out(exercise: Exercise) -> dict:
    """An exercise as JSON (muscles and equipment from its prefetch, when it has one)."""
    return {
        "id": exercise.pk,
        "name": exercise.name,
        "library_key": exercise.library_key,
        "is_custom": exercise.is_custom,
        "category": exercise.category,
        "level": exercise.level,
        "tracking": exercise.tracking,
        "primary_muscles": _refs(exercise.primary_muscles.all()),
        "secondary_muscles": _refs(exercise.secondary_muscles.all()),
        "equipment": _refs(exercise.equipment.all()),
        "instructions": exercise.instructions,
        "video_url": exercise.video_url,
        "image_url": (
            reverse("exercises:image", kwargs={"exercise_id": exercise.pk})
            if exercise.image
            else None
        ),
        "archived_at": utc(exercise.archived_at),
        "created_at": utc(exercise.created_at),
        "updated_at": utc(exercise.updated_at),
    }


def _resolve(model, field: str, slugs: list[str], noun: str) -> list:
    wanted = list(dict.fromkeys(slugs))
    found = {item.slug: item for item in model.objects.filter(slug__in=wanted)}
    unknown = [slug for slug in wanted if slug not in found]
    if unknown:
        raise invalid(field, f"Unknown {noun}: {', '.join(unknown)}.")
    return [found[slug] for slug in wanted]


def _service_fields(sent: dict) -> dict:
    """The body's fields for the service, with slugs turned into muscle groups and equipment."""
    fields = {name: ("" if value is None and name in ("instructions", "video_url") else value)
              for name, value in sent.items()}  # fmt: skip
    for name in ("primary_muscles", "secondary_muscles"):
        if fields.get(name) is not None:
            fields[name] = _resolve(MuscleGroup, name, fields[name], "muscle group")
    if fields.get("equipment") is not None:
        fields["equipment"] = _resolve(Equipment, "equipment", fields["equipment"], "equipment")
    return {name: value for name, value in fields.items() if value is not None}


def _detail(user, exercise_id: int) -> dict:
    return exercise_out(exercise_get(user=user, exercise_id=exercise_id))


# --- Endpoints ---------------------------------------------------------------------------------


@router.get("/exercises", response=ExercisePage, summary="The exercise library")
def exercise_list_endpoint(request, filters: Query[ExerciseFilters]):
    """By name. Filters: `q` (words of the name), `muscle` (primary or secondary), `equipment`,
    `category`, `level`; archived exercises only with `include_archived` (coaching staff)."""
    user = request.auth
    _require_reader(user)
    exercises = exercise_list(
        user=user,
        q=filters.q,
        muscle=filters.muscle,
        equipment=filters.equipment,
        category=filters.category or "",
        level=filters.level or "",
        include_archived=filters.include_archived,
    )
    return page(exercises, filters, lambda rows: [exercise_out(e) for e in rows])


@router.get("/exercises/muscle-groups", response=SlugRefPage, summary="Muscle groups")
def muscle_group_list_endpoint(request, params: Query[PageParams]):
    _require_reader(request.auth)
    return page(muscle_group_list(), params, _refs)


@router.get("/exercises/equipment", response=SlugRefPage, summary="Equipment")
def equipment_list_endpoint(request, params: Query[PageParams]):
    _require_reader(request.auth)
    return page(equipment_list(), params, _refs)


@router.post("/exercises", response={201: ExerciseOut}, summary="Add one of the business's own")
def exercise_create_endpoint(
    request,
    payload: ExerciseIn,
    idempotency_key: str | None = Header(
        None,
        alias=HEADER,
        description=(
            "Up to 255 characters. The same key and body within 24 hours answer the first "
            "status and body again and never create twice; the same key with another body "
            "answers 422 idempotency_key_reused."
        ),
    ),
):
    """Owners, managers and trainers. A name in use (whatever its case) answers 409 duplicate;
    an unknown muscle-group or equipment slug, or a link that is not http(s), answers 422."""
    user = request.auth
    _require_reader(user)
    if not keeps_library(user):
        raise Forbidden("Only owners, managers and trainers change the exercise library.")

    def run() -> tuple[int, dict]:
        exercise = services.exercise_create(actor=user, **_service_fields(payload.model_dump()))
        return 201, ExerciseOut(**_detail(user, exercise.pk)).model_dump()

    return idempotent(
        request,
        scope="exercises.create",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


@router.get("/exercises/{exercise_id}", response=ExerciseOut, summary="One exercise")
def exercise_get_endpoint(request, exercise_id: int):
    _require_reader(request.auth)
    return _detail(request.auth, exercise_id)


@router.patch("/exercises/{exercise_id}", response=ExerciseOut, summary="Change an exercise")
def exercise_patch_endpoint(request, exercise_id: int, payload: ExercisePatch):
    """Only the fields sent change. Shipped exercises answer 403 shipped_exercise."""
    user = request.auth
    _require_reader(user)
    exercise = exercise_get(user=user, exercise_id=exercise_id)
    fields = _service_fields(payload.model_dump(exclude_unset=True))
    services.exercise_update(actor=user, exercise=exercise, **fields)
    return _detail(user, exercise_id)


@router.delete("/exercises/{exercise_id}", response={204: None}, summary="Archive an exercise")
def exercise_archive_endpoint(request, exercise_id: int):
    """Hidden from the library and the program builder; programs that use it keep it.
    Shipped exercises: owners and managers only."""
    user = request.auth
    _require_reader(user)
    exercise = exercise_get(user=user, exercise_id=exercise_id)
    services.exercise_archive(actor=user, exercise=exercise)
    return Status(204, None)
