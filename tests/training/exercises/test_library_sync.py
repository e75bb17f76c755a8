"""`exercise_library_sync()` and `fitnesscrm exercise_library sync`: load, update, never clobber."""

import io

from django.core.management import call_command
from django.utils import timezone

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.training.library import exercise_library_sync, load_data
from fitnesscrm.training.models import Equipment, Exercise, MuscleGroup
from tests.factories import ExerciseFactory, MuscleGroupFactory

DATA = load_data()


def _empty_library():
    Exercise.objects.all().delete()
    MuscleGroup.objects.all().delete()
    Equipment.objects.all().delete()


def test_a_sync_into_an_empty_database_creates_the_whole_library(db):
    _empty_library()

    result = exercise_library_sync()

    assert result["muscle_groups"] == {"created": len(DATA["muscle_groups"]), "updated": 0}
    assert result["equipment"] == {"created": len(DATA["equipment"]), "updated": 0}
    assert result["exercises"]["created"] == len(DATA["exercises"])
    assert result["exercises"]["skipped"] == []
    assert Exercise.objects.filter(library_key__gt="").count() == len(DATA["exercises"])
    row = next(r for r in DATA["exercises"] if r["key"] == "bulgarian-split-squat")
    split_squat = Exercise.objects.get(library_key="bulgarian-split-squat")
    assert split_squat.name == row["name"]
    assert sorted(m.slug for m in split_squat.primary_muscles.all()) == sorted(
        row["primary_muscles"]
    )
    assert sorted(m.slug for m in split_squat.secondary_muscles.all()) == sorted(
        row["secondary_muscles"]
    )
    assert sorted(e.slug for e in split_squat.equipment.all()) == sorted(row["equipment"])
    assert AuditEntry.objects.filter(action="exercise_library.sync").count() == 1


def test_a_second_sync_changes_nothing_and_writes_no_audit_entry(db):
    exercise_library_sync()
    before = list(Exercise.objects.order_by("pk").values("pk", "name", "updated_at"))
    entries = AuditEntry.objects.count()

    result = exercise_library_sync()

    assert result["muscle_groups"] == {"created": 0, "updated": 0}
    assert result["equipment"] == {"created": 0, "updated": 0}
    assert result["exercises"] == {
        "created": 0,
        "updated": 0,
        "unchanged": len(DATA["exercises"]),
        "skipped": [],
    }
    assert list(Exercise.objects.order_by("pk").values("pk", "name", "updated_at")) == before
    assert AuditEntry.objects.count() == entries


def test_a_sync_puts_back_what_changed_in_a_shipped_exercise(db):
    exercise_library_sync()
    squat = Exercise.objects.get(library_key="barbell-back-squat")
    squat.instructions = "Squat."
    squat.save()
    squat.primary_muscles.set([MuscleGroup.objects.get(slug="biceps")])
    MuscleGroup.objects.filter(slug="calves").update(name="Lower legs")

    result = exercise_library_sync()

    assert result["exercises"]["updated"] == 1
    assert result["muscle_groups"]["updated"] == 1
    squat.refresh_from_db()
    assert squat.instructions.startswith("1. Rest the bar on your upper back")
    assert {m.slug for m in squat.primary_muscles.all()} == {"quadriceps", "glutes"}
    assert MuscleGroup.objects.get(slug="calves").name == "Calves"


def test_a_sync_never_touches_the_business_own_exercises(db):
    exercise_library_sync()
    own = ExerciseFactory(name="Sled sprint", instructions="Ours.")

    exercise_library_sync()

    own.refresh_from_db()
    assert own.library_key == "" and own.instructions == "Ours."
    assert Exercise.objects.filter(name="Sled sprint").count() == 1


def test_a_shipped_name_taken_by_an_own_exercise_is_skipped_and_reported(db):
    _empty_library()
    own = ExerciseFactory(
        name="BARBELL BACK SQUAT",
        instructions="Our way.",
        primary_muscles=[MuscleGroupFactory(slug="legs", name="Legs")],
    )

    result = exercise_library_sync()

    assert result["exercises"]["skipped"] == ["Barbell back squat"]
    assert result["exercises"]["created"] == len(DATA["exercises"]) - 1
    own.refresh_from_db()
    assert own.instructions == "Our way." and own.library_key == ""
    assert not Exercise.objects.filter(library_key="barbell-back-squat").exists()


def test_a_shipped_exercise_the_business_archived_stays_archived(db):
    exercise_library_sync()
    hidden_at = timezone.now()
    Exercise.objects.filter(library_key="plank").update(archived_at=hidden_at, instructions="x")

    exercise_library_sync()

    plank = Exercise.objects.get(library_key="plank")
    assert plank.archived_at == hidden_at
    assert plank.instructions.startswith("1. ")


def test_the_command_prints_what_it_did(db):
    _empty_library()
    out = io.StringIO()

    call_command("exercise_library", "sync", stdout=out)
    call_command("exercise_library", "sync", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == f"Muscle groups: {len(DATA['muscle_groups'])} added, 0 updated."
    assert lines[2] == (
        f"Exercises: {len(DATA['exercises'])} added, 0 updated, 0 unchanged, 0 skipped."
    )
    assert lines[5] == (
        f"Exercises: 0 added, 0 updated, {len(DATA['exercises'])} unchanged, 0 skipped."
    )


def test_the_command_names_each_exercise_it_skipped(db):
    exercise_library_sync()
    Exercise.objects.filter(library_key="plank").delete()
    ExerciseFactory(name="plank")
    out = io.StringIO()

    call_command("exercise_library", "sync", stdout=out)

    assert "0 added, 0 updated" in out.getvalue()
    assert "1 skipped" in out.getvalue()
    assert "Skipped 'Plank': the business has its own exercise of that name." in out.getvalue()
