"""Writes to the exercise library: who may, the rules, the audit trail, the picture."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.training.models import Exercise, LoggedSet, WorkoutLog
from fitnesscrm.training.services.exercises import (
    exercise_archive,
    exercise_create,
    exercise_restore,
    exercise_update,
)
from tests.factories import MemberFactory


def create(actor, lib, **overrides):
    values = {
        "name": "Landmine squat to press",
        "primary_muscles": [lib.quads],
        "secondary_muscles": [lib.triceps],
        "equipment": [lib.barbell],
        "category": "strength",
        "level": "intermediate",
        "tracking": "weight_reps",
        "instructions": "1. Hold the bar.\n2. Squat and press.",
        "video_url": "https://videos.example.test/landmine",
    }
    values.update(overrides)
    return exercise_create(actor=actor, **values)


def field_of(exc: ApplicationError) -> str:
    return exc.errors[0]["field"]


@pytest.mark.parametrize("role", ["owner", "manager", "trainer"])
def test_coaching_staff_add_an_exercise_of_the_business_own(role, request, small_library):
    actor = request.getfixturevalue(role)

    exercise = create(actor, small_library)

    assert exercise.is_custom and exercise.created_by == actor
    assert [m.slug for m in exercise.primary_muscles.all()] == ["quadriceps"]
    assert [m.slug for m in exercise.secondary_muscles.all()] == ["triceps"]
    assert [e.slug for e in exercise.equipment.all()] == ["barbell"]
    entry = AuditEntry.objects.get(action="exercise.create")
    assert entry.actor == actor and entry.object_id == str(exercise.pk)


@pytest.mark.parametrize("role", ["front_desk", "client_user"])
def test_the_front_desk_and_clients_cannot_add_exercises(role, request, small_library):
    with pytest.raises(Forbidden):
        create(request.getfixturevalue(role), small_library)
    assert not Exercise.objects.filter(name="Landmine squat to press").exists()


def test_a_name_already_used_whatever_its_case_is_refused_at_the_name(small_library, trainer):
    with pytest.raises(Conflict) as caught:
        create(trainer, small_library, name="  barbell BENCH   press ")
    assert field_of(caught.value) == "name"
    assert "already exists" in caught.value.message
    assert Exercise.objects.filter(name__iexact="barbell bench press").count() == 1


def test_a_name_used_by_an_archived_exercise_says_to_restore_it(small_library, trainer):
    with pytest.raises(Conflict) as caught:
        create(trainer, small_library, name="old TRICEPS drill")
    assert "restore it" in caught.value.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"primary_muscles": []}, "primary_muscles"),
        ({"secondary_muscles": "quads"}, "secondary_muscles"),
        ({"category": "yoga"}, "category"),
        ({"level": "expert"}, "level"),
        ({"tracking": "vibes"}, "tracking"),
        ({"instructions": "x" * 4001}, "instructions"),
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"video_url": "ftp://files.example.test/clip.mp4"}, "video_url"),
        ({"video_url": "not a link"}, "video_url"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(
    small_library, trainer, overrides, field
):
    with pytest.raises(ApplicationError) as caught:
        create(trainer, small_library, **overrides)
    assert field_of(caught.value) == field
    assert caught.value.message
    assert not Exercise.objects.filter(name="Landmine squat to press").exists()


def test_a_muscle_cannot_be_both_primary_and_secondary(small_library, trainer):
    with pytest.raises(ApplicationError) as caught:
        create(trainer, small_library, secondary_muscles=[small_library.quads])
    assert field_of(caught.value) == "secondary_muscles"


def test_a_file_that_is_not_a_picture_is_refused_as_the_image(small_library, trainer, media_root):
    fake = SimpleUploadedFile("press.png", b"%PDF-1.7 not a picture", content_type="image/png")
    with pytest.raises(ApplicationError) as caught:
        create(trainer, small_library, image=fake)
    assert field_of(caught.value) == "image"
    assert not Exercise.objects.filter(name="Landmine squat to press").exists()


def test_a_picture_is_stored_re_encoded_and_no_larger_than_1600_pixels(
    small_library, trainer, media_root
):
    big = Image.new("RGB", (3200, 1000), (10, 120, 200))
    out = io.BytesIO()
    big.save(out, format="JPEG")
    upload = SimpleUploadedFile("big.jpg", out.getvalue(), content_type="image/jpeg")

    exercise = create(trainer, small_library, image=upload)

    assert exercise.image.name.startswith("training/exercises/")
    assert not exercise.image.name.endswith("big.jpg")
    with Image.open(Path(media_root) / exercise.image.name) as stored:
        assert stored.size == (1600, 500)


def test_a_new_picture_replaces_the_old_one_and_its_file_goes_after_the_commit(
    small_library, trainer, png_upload, media_root, django_capture_on_commit_callbacks
):
    exercise = create(trainer, small_library, image=png_upload())
    old_file = Path(media_root) / exercise.image.name

    with django_capture_on_commit_callbacks(execute=True):
        exercise_update(actor=trainer, exercise=exercise, image=png_upload("new.png"))

    exercise.refresh_from_db()
    assert not old_file.exists()
    assert (Path(media_root) / exercise.image.name).exists()
    entry = AuditEntry.objects.filter(action="exercise.update").get()
    assert entry.changes == {"image": "changed"}


def test_coaching_staff_change_an_exercise_of_the_business_own(small_library, trainer):
    exercise = small_library.kickback

    exercise_update(
        actor=trainer,
        exercise=exercise,
        name="Cable triceps kick-back",
        level="beginner",
        equipment=[small_library.dumbbell],
    )

    exercise.refresh_from_db()
    assert exercise.name == "Cable triceps kick-back" and exercise.level == "beginner"
    assert [e.slug for e in exercise.equipment.all()] == ["dumbbell"]
    entry = AuditEntry.objects.get(action="exercise.update")
    assert entry.changes["name"] == ["Cable triceps kickback", "Cable triceps kick-back"]
    assert entry.changes["equipment"] == [[], ["dumbbell"]]


def test_an_update_that_changes_nothing_writes_no_audit_entry(small_library, trainer):
    exercise_update(actor=trainer, exercise=small_library.kickback, level="advanced")
    assert not AuditEntry.objects.filter(action="exercise.update").exists()


def test_renaming_to_a_name_in_use_is_refused(small_library, manager):
    with pytest.raises(Conflict):
        exercise_update(actor=manager, exercise=small_library.kickback, name="PLANK")


@pytest.mark.parametrize("role", ["owner", "manager", "trainer"])
def test_nobody_changes_a_shipped_exercise(role, request, small_library):
    with pytest.raises(Forbidden) as caught:
        exercise_update(
            actor=request.getfixturevalue(role), exercise=small_library.plank, name="My plank"
        )
    assert caught.value.code == "shipped_exercise"
    small_library.plank.refresh_from_db()
    assert small_library.plank.name == "Plank"


def test_a_client_cannot_change_an_exercise(small_library, client_user):
    with pytest.raises(Forbidden):
        exercise_update(actor=client_user, exercise=small_library.kickback, name="Mine")


def test_tracking_stays_once_a_workout_was_logged_with_the_exercise(small_library, trainer):
    log = WorkoutLog.objects.create(client=MemberFactory(), performed_on=timezone.localdate())
    LoggedSet.objects.create(log=log, exercise=small_library.kickback, reps=10)

    with pytest.raises(Conflict) as caught:
        exercise_update(actor=trainer, exercise=small_library.kickback, tracking="time")
    assert field_of(caught.value) == "tracking"


def test_a_trainer_archives_and_restores_an_exercise_of_the_business_own(small_library, trainer):
    exercise = exercise_archive(actor=trainer, exercise=small_library.kickback)
    assert exercise.archived_at is not None
    exercise = exercise_restore(actor=trainer, exercise=exercise)
    assert exercise.archived_at is None
    assert list(
        AuditEntry.objects.filter(object_id=str(exercise.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["exercise.archive", "exercise.restore"]


def test_a_trainer_cannot_hide_a_shipped_exercise(small_library, trainer):
    with pytest.raises(Forbidden):
        exercise_archive(actor=trainer, exercise=small_library.plank)
    small_library.plank.refresh_from_db()
    assert small_library.plank.archived_at is None


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_hide_and_restore_a_shipped_exercise(role, request, small_library):
    actor = request.getfixturevalue(role)
    assert exercise_archive(actor=actor, exercise=small_library.plank).archived_at is not None
    assert exercise_restore(actor=actor, exercise=small_library.plank).archived_at is None


def test_archiving_twice_is_harmless_and_recorded_once(small_library, trainer):
    exercise_archive(actor=trainer, exercise=small_library.kickback)
    exercise_archive(actor=trainer, exercise=small_library.kickback)
    assert AuditEntry.objects.filter(action="exercise.archive").count() == 1


@pytest.mark.parametrize("role", ["front_desk", "client_user"])
def test_the_front_desk_and_clients_cannot_archive(role, request, small_library):
    with pytest.raises(Forbidden):
        exercise_archive(actor=request.getfixturevalue(role), exercise=small_library.kickback)
