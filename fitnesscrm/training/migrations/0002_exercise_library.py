"""Load the exercise library shipped with FitnessCRM (fitnesscrm/training/data/exercises.json).

The first load only: it adds the muscle groups, equipment and exercises that are not
there yet, by slug and library key, and skips an exercise whose name is one of the
business's own. Later releases update the library with `fitnesscrm exercise_library
sync`. Undoing the migration leaves the rows in place.
"""

import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "exercises.json"


def load_library(apps, schema_editor):
    MuscleGroup = apps.get_model("training", "MuscleGroup")
    Equipment = apps.get_model("training", "Equipment")
    Exercise = apps.get_model("training", "Exercise")
    with DATA_FILE.open(encoding="utf-8") as handle:
        data = json.load(handle)

    def named(model, rows):
        existing = {item.slug: item for item in model.objects.all()}
        taken = {item.name.lower() for item in existing.values()}
        for row in rows:
            if row["slug"] not in existing and row["name"].lower() not in taken:
                existing[row["slug"]] = model.objects.create(slug=row["slug"], name=row["name"])
                taken.add(row["name"].lower())
        return existing

    muscles = named(MuscleGroup, data["muscle_groups"])
    equipment = named(Equipment, data["equipment"])
    known_keys = set(Exercise.objects.exclude(library_key="").values_list("library_key", flat=True))
    taken = {name.lower() for name in Exercise.objects.values_list("name", flat=True)}
    rows = []
    for row in data["exercises"]:
        if row["key"] in known_keys or row["name"].lower() in taken:
            continue
        taken.add(row["name"].lower())
        rows.append(row)
    Exercise.objects.bulk_create(
        Exercise(
            library_key=row["key"],
            name=row["name"],
            category=row["category"],
            level=row["level"],
            tracking=row["tracking"],
            instructions=row["instructions"],
            video_url=row.get("video_url", ""),
        )
        for row in rows
    )
    ids = dict(
        Exercise.objects.filter(library_key__in=[row["key"] for row in rows]).values_list(
            "library_key", "pk"
        )
    )
    for attr, known in (
        ("primary_muscles", muscles),
        ("secondary_muscles", muscles),
        ("equipment", equipment),
    ):
        field = Exercise._meta.get_field(attr)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        through.objects.bulk_create(
            through(**{f"{source}_id": ids[row["key"]], f"{target}_id": known[slug].pk})
            for row in rows
            for slug in row[attr]
            if slug in known
        )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(load_library, migrations.RunPython.noop)]
