"""Writes to the exercise library: the business's own exercises, and hiding shipped ones.

Owners, managers and trainers add, change, archive and restore the business's own
exercises. The exercises shipped with FitnessCRM are updated only by
`fitnesscrm exercise_library sync`; owners and managers may archive (hide) one and
restore it. Names are unique whatever their case, archived exercises included.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from fitnesscrm.core.audit import audit_record, field_changes
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.images import clean_image
from fitnesscrm.core.permissions import manages_staff
from fitnesscrm.training.models import (
    Category,
    Equipment,
    Exercise,
    Level,
    MuscleGroup,
    Tracking,
)
from fitnesscrm.training.selectors.exercises import keeps_library

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1600

NAME_MAX = Exercise._meta.get_field("name").max_length
INSTRUCTIONS_MAX = Exercise._meta.get_field("instructions").max_length
VIDEO_URL_MAX = Exercise._meta.get_field("video_url").max_length

FIELDS = ("name", "category", "level", "tracking", "instructions", "video_url")
RELATIONS = ("primary_muscles", "secondary_muscles", "equipment")
SHIPPED = (
    "Exercises shipped with FitnessCRM cannot be changed. Create your own exercise "
    "with a different name instead."
)

_http_url = URLValidator(schemes=["http", "https"])


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid", errors=[{"field": field, "message": message}])


def _require_coach(actor) -> None:
    if not keeps_library(actor):
        raise Forbidden("Only owners, managers and trainers change the exercise library.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise _invalid("name", "Enter the exercise's name.")
    if len(name) > NAME_MAX:
        raise _invalid("name", f"A name is at most {NAME_MAX} characters.")
    return name


def _clean_choice(field: str, value: str, choices) -> str:
    if value not in choices.values:
        options = ", ".join(choices.values)
        raise _invalid(field, f"Choose one of: {options}.")
    return value


def _clean_instructions(text: str) -> str:
    text = (text or "").strip().replace("\r\n", "\n")
    if len(text) > INSTRUCTIONS_MAX:
        raise _invalid("instructions", f"Instructions are at most {INSTRUCTIONS_MAX} characters.")
    return text


def _clean_video_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > VIDEO_URL_MAX:
        raise _invalid("video_url", f"A link is at most {VIDEO_URL_MAX} characters.")
    try:
        _http_url(url)
    except ValidationError as exc:
        raise _invalid(
            "video_url", "Enter a web link that starts with http:// or https://."
        ) from exc
    return url


def _name_free(name: str, *, exclude: Exercise | None = None) -> None:
    clash = Exercise.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    found = clash.only("archived_at").first()
    if found is None:
        return
    message = (
        f"An archived exercise is already called “{found.name}”: restore it, or pick another name."
        if found.archived_at
        else f"An exercise called “{found.name}” already exists."
    )
    raise Conflict(message, code="duplicate", errors=[{"field": "name", "message": message}])


def _save(exercise: Exercise) -> None:
    """Save, with a name taken meanwhile (the database's unique index) as the same 409."""
    try:
        with transaction.atomic():
            exercise.save()
    except IntegrityError as exc:
        message = f"An exercise called “{exercise.name}” already exists."
        raise Conflict(
            message, code="duplicate", errors=[{"field": "name", "message": message}]
        ) from exc


def _muscles(field: str, items: Iterable[MuscleGroup] | None) -> list[MuscleGroup]:
    items = list(items or [])
    if not all(isinstance(item, MuscleGroup) and item.pk for item in items):
        raise _invalid(field, "Choose muscle groups from the list.")
    return items


def _equipment(items: Iterable[Equipment] | None) -> list[Equipment]:
    items = list(items or [])
    if not all(isinstance(item, Equipment) and item.pk for item in items):
        raise _invalid("equipment", "Choose equipment from the list.")
    return items


def _check_relations(primary: list[MuscleGroup], secondary: list[MuscleGroup]) -> None:
    if not primary:
        raise _invalid("primary_muscles", "Choose at least one primary muscle group.")
    both = {m.pk for m in primary} & {m.pk for m in secondary}
    if both:
        raise _invalid(
            "secondary_muscles", "A muscle group is either primary or secondary, not both."
        )


def _clean_fields(fields: dict) -> dict:
    cleaners = {
        "name": _clean_name,
        "category": lambda v: _clean_choice("category", v, Category),
        "level": lambda v: _clean_choice("level", v, Level),
        "tracking": lambda v: _clean_choice("tracking", v, Tracking),
        "instructions": _clean_instructions,
        "video_url": _clean_video_url,
    }
    return {name: cleaners[name](value) for name, value in fields.items()}


def _store_image(exercise: Exercise, upload) -> str:
    """Put the cleaned picture on the exercise (not saved yet); the name of the one it replaces."""
    old_name = exercise.image.name if exercise.image else ""
    if upload is not None:
        content = clean_image(
            upload, field="image", max_bytes=IMAGE_MAX_BYTES, max_side=IMAGE_MAX_SIDE
        ).content
        exercise.image.save(content.name, content, save=False)
    else:
        exercise.image = ""
    return old_name


def _forget_file(exercise: Exercise, name: str) -> None:
    """Delete a replaced picture once the change is committed (never before)."""
    if name:
        storage = exercise.image.storage
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def exercise_create(
    *,
    actor,
    name: str,
    primary_muscles: Iterable[MuscleGroup],
    secondary_muscles: Iterable[MuscleGroup] = (),
    equipment: Iterable[Equipment] = (),
    category: str = Category.STRENGTH,
    level: str = Level.BEGINNER,
    tracking: str = Tracking.WEIGHT_REPS,
    instructions: str = "",
    video_url: str = "",
    image=None,
) -> Exercise:
    """One of the business's own exercises; `image` an uploaded picture (JPEG, PNG, WebP)."""
    _require_coach(actor)
    values = _clean_fields(
        {
            "name": name,
            "category": category,
            "level": level,
            "tracking": tracking,
            "instructions": instructions,
            "video_url": video_url,
        }
    )
    primary = _muscles("primary_muscles", primary_muscles)
    secondary = _muscles("secondary_muscles", secondary_muscles)
    kit = _equipment(equipment)
    _check_relations(primary, secondary)
    _name_free(values["name"])
    exercise = Exercise(created_by=actor, **values)
    if image is not None:
        _store_image(exercise, image)
    _save(exercise)
    exercise.primary_muscles.set(primary)
    exercise.secondary_muscles.set(secondary)
    exercise.equipment.set(kit)
    audit_record(
        actor=actor,
        action="exercise.create",
        target=exercise,
        changes={"fields": [*values, *RELATIONS, *(["image"] if image is not None else [])]},
    )
    return exercise


@transaction.atomic
def exercise_update(
    *,
    actor,
    exercise: Exercise,
    image=None,
    remove_image: bool = False,
    **fields,
) -> Exercise:
    """Change the given fields of one of the business's own exercises.

    Fields: name, category, level, tracking, instructions, video_url, primary_muscles,
    secondary_muscles, equipment. `image` replaces the picture; `remove_image` drops it.
    The way an exercise is tracked is fixed once a workout has been logged with it.
    """
    unknown = set(fields) - set(FIELDS) - set(RELATIONS)
    if unknown:
        raise TypeError(f"cannot change {sorted(unknown)}")
    _require_coach(actor)
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if not exercise.is_custom:
        raise Forbidden(SHIPPED, code="shipped_exercise")
    values = _clean_fields({k: v for k, v in fields.items() if k in FIELDS})
    relations_before = {
        "primary_muscles": list(exercise.primary_muscles.all()),
        "secondary_muscles": list(exercise.secondary_muscles.all()),
        "equipment": list(exercise.equipment.all()),
    }
    relations = dict(relations_before)
    if "primary_muscles" in fields:
        relations["primary_muscles"] = _muscles("primary_muscles", fields["primary_muscles"])
    if "secondary_muscles" in fields:
        relations["secondary_muscles"] = _muscles("secondary_muscles", fields["secondary_muscles"])
    if "equipment" in fields:
        relations["equipment"] = _equipment(fields["equipment"])
    _check_relations(relations["primary_muscles"], relations["secondary_muscles"])
    if "name" in values:
        _name_free(values["name"], exclude=exercise)
    if (
        "tracking" in values
        and values["tracking"] != exercise.tracking
        and exercise.logged_sets.exists()
    ):
        message = "Workouts were logged with this exercise, so the way it is tracked stays."
        raise Conflict(
            message, code="tracking_fixed", errors=[{"field": "tracking", "message": message}]
        )

    before = {name: getattr(exercise, name) for name in values}
    for name, value in values.items():
        setattr(exercise, name, value)
    changes = field_changes(exercise, before, list(values))
    for name, items in relations.items():
        if {i.pk for i in items} != {i.pk for i in relations_before[name]}:
            changes[name] = [
                sorted(i.slug for i in relations_before[name]),
                sorted(i.slug for i in items),
            ]
    old_image = ""
    if image is not None or (remove_image and exercise.image):
        old_image = _store_image(exercise, image)
        changes["image"] = "changed" if image is not None else "removed"
    if not changes:
        return exercise
    _save(exercise)
    for name, items in relations.items():
        if name in changes:
            getattr(exercise, name).set(items)
    _forget_file(exercise, old_image)
    audit_record(actor=actor, action="exercise.update", target=exercise, changes=changes)
    return exercise


def _require_archiver(actor, exercise: Exercise) -> None:
    _require_coach(actor)
    if not exercise.is_custom and not manages_staff(actor):
        raise Forbidden(
            "Only owners and managers hide or restore the exercises shipped with FitnessCRM.",
            code="shipped_exercise",
        )


@transaction.atomic
def exercise_archive(*, actor, exercise: Exercise) -> Exercise:
    """Hide an exercise from the library and the program builder; programs keep it."""
    _require_archiver(actor, exercise)
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.archived_at is not None:
        return exercise
    exercise.archived_at = timezone.now()
    exercise.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        actor=actor,
        action="exercise.archive",
        target=exercise,
        changes={"archived": [False, True]},
    )
    return exercise


@transaction.atomic
def exercise_restore(*, actor, exercise: Exercise) -> Exercise:
    """Show an archived exercise in the library again."""
    _require_archiver(actor, exercise)
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.archived_at is None:
        return exercise
    exercise.archived_at = None
    exercise.save(update_fields=["archived_at", "updated_at"])
    audit_record(
        actor=actor,
        action="exercise.restore",
        target=exercise,
        changes={"archived": [True, False]},
    )
    return exercise
