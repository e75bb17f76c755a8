"""The exercise library shipped with FitnessCRM: `data/exercises.json`, loaded and kept in step.

The file lists the muscle groups, the equipment and the exercises, each exercise under
a stable `key` (its `library_key` in the database). `exercise_library_sync()` brings the
database in line with the file: it adds what is missing and updates what changed, by
slug and by key. It never touches the business's own exercises (no library key), and
it leaves alone whether a shipped exercise is archived, which is the business's choice.
A shipped exercise whose name is already taken by one of the business's own exercises
(names are unique whatever their case) is skipped and reported.

Running it twice changes nothing the second time. `fitnesscrm exercise_library sync`
runs it from the command line; the migration that created the library loaded the same
file the first time.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from fitnesscrm.core.audit import audit_record
from fitnesscrm.training.models import Equipment, Exercise, MuscleGroup

DATA_FILE = Path(__file__).resolve().parent / "data" / "exercises.json"

# The fields of a shipped exercise that come from the file (besides its muscles and equipment).
EXERCISE_FIELDS = ("name", "category", "level", "tracking", "instructions", "video_url")
RELATIONS = (
    ("primary_muscles", MuscleGroup, "muscle_group"),
    ("secondary_muscles", MuscleGroup, "muscle_group"),
    ("equipment", Equipment, "equipment"),
)


def load_data(path: Path = DATA_FILE) -> dict:
    """The shipped library as written in the file."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class SyncReport:
    muscle_groups_created: int = 0
    muscle_groups_updated: int = 0
    equipment_created: int = 0
    equipment_updated: int = 0
    exercises_created: int = 0
    exercises_updated: int = 0
    exercises_unchanged: int = 0
    # Shipped exercises not loaded: their name is one of the business's own exercises.
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "muscle_groups": {
                "created": self.muscle_groups_created,
                "updated": self.muscle_groups_updated,
            },
            "equipment": {"created": self.equipment_created, "updated": self.equipment_updated},
            "exercises": {
                "created": self.exercises_created,
                "updated": self.exercises_updated,
                "unchanged": self.exercises_unchanged,
                "skipped": list(self.skipped),
            },
        }

    @property
    def changed(self) -> bool:
        return any(
            (
                self.muscle_groups_created,
                self.muscle_groups_updated,
                self.equipment_created,
                self.equipment_updated,
                self.exercises_created,
                self.exercises_updated,
            )
        )


def _sync_named(model, rows: list[dict]) -> tuple[dict, int, int]:
    """Muscle groups or equipment by slug: {slug: row}, how many created, how many renamed."""
    existing = {item.slug: item for item in model.objects.all()}
    names_taken = {item.name.lower(): item.slug for item in existing.values()}
    created = updated = 0
    for row in rows:
        item = existing.get(row["slug"])
        if item is None:
            item = model.objects.create(slug=row["slug"], name=row["name"])
            existing[item.slug] = item
            created += 1
        elif item.name != row["name"] and names_taken.get(row["name"].lower()) in (
            None,
            item.slug,
        ):
            item.name = row["name"]
            item.save(update_fields=["name"])
            updated += 1
        names_taken[item.name.lower()] = item.slug
    return existing, created, updated


def _wanted_ids(row: dict, by_slug: dict[str, dict]) -> dict[str, set[int]]:
    return {
        attr: {by_slug[kind][slug].pk for slug in row.get(attr, [])}
        for attr, _model, kind in RELATIONS
    }


def _current_ids(exercise: Exercise) -> dict[str, set[int]]:
    return {attr: {item.pk for item in getattr(exercise, attr).all()} for attr, *_ in RELATIONS}


def _set_relations(pending: list[tuple[Exercise, dict[str, set[int]]]]) -> None:
    """Replace the muscles and equipment of these exercises: a few queries for all of them."""
    if not pending:
        return
    ids = [exercise.pk for exercise, _ in pending]
    for attr, _model, _kind in RELATIONS:
        relation = getattr(Exercise, attr)
        through = relation.through
        source = relation.field.m2m_field_name()
        target = relation.field.m2m_reverse_field_name()
        through.objects.filter(**{f"{source}_id__in": ids}).delete()
        through.objects.bulk_create(
            through(**{f"{source}_id": exercise.pk, f"{target}_id": pk})
            for exercise, wanted in pending
            for pk in sorted(wanted[attr])
        )


@transaction.atomic
def exercise_library_sync(*, data: dict | None = None) -> dict:
    """Load the shipped library into the database, or update it; idempotent.

    Returns the counts (`muscle_groups`, `equipment`, `exercises`, each with `created`
    and `updated`; `exercises` also `unchanged` and `skipped`, the names left out
    because the business has its own exercise of that name).
    """
    data = data if data is not None else load_data()
    report = SyncReport()
    muscles, report.muscle_groups_created, report.muscle_groups_updated = _sync_named(
        MuscleGroup, data["muscle_groups"]
    )
    equipment, report.equipment_created, report.equipment_updated = _sync_named(
        Equipment, data["equipment"]
    )
    by_slug = {"muscle_group": muscles, "equipment": equipment}

    shipped = {
        exercise.library_key: exercise
        for exercise in Exercise.objects.exclude(library_key="").prefetch_related(
            *(attr for attr, *_ in RELATIONS)
        )
    }
    custom_names = {
        name.lower()
        for name in Exercise.objects.filter(library_key="").values_list("name", flat=True)
    }
    new: list[tuple[Exercise, dict[str, set[int]]]] = []
    changed: list[tuple[Exercise, dict[str, set[int]]]] = []
    for row in data["exercises"]:
        values = {name: row.get(name, "") for name in EXERCISE_FIELDS}
        wanted = _wanted_ids(row, by_slug)
        if values["name"].lower() in custom_names:
            report.skipped.append(values["name"])
            continue
        exercise = shipped.get(row["key"])
        if exercise is None:
            new.append((Exercise(library_key=row["key"], **values), wanted))
            continue
        fields = [name for name, value in values.items() if getattr(exercise, name) != value]
        relations_differ = _current_ids(exercise) != wanted
        if not fields and not relations_differ:
            report.exercises_unchanged += 1
            continue
        if fields:
            for name in fields:
                setattr(exercise, name, values[name])
            exercise.save(update_fields=[*fields, "updated_at"])
        if relations_differ:
            changed.append((exercise, wanted))
        report.exercises_updated += 1

    if new:
        Exercise.objects.bulk_create([exercise for exercise, _ in new])
        # Read the ids back by key: not every database returns them from a bulk insert.
        ids = dict(
            Exercise.objects.filter(
                library_key__in=[exercise.library_key for exercise, _ in new]
            ).values_list("library_key", "pk")
        )
        for exercise, _ in new:
            exercise.pk = ids[exercise.library_key]
        report.exercises_created = len(new)
    _set_relations(new + changed)

    result = report.as_dict()
    if report.changed or report.skipped:
        audit_record(
            action="exercise_library.sync",
            object_type="training.exercise",
            object_label="Exercise library",
            changes=result,
        )
    return result
