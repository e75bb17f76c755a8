"""Fixtures of the exercise-library tests: a known small library, pictures, API keys."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.utils import timezone
from PIL import Image

from fitnesscrm.accounts import services as account_services
from fitnesscrm.core.roles import Role
from fitnesscrm.training.library import exercise_library_sync
from fitnesscrm.training.models import Category, Exercise, Level, Tracking
from tests.factories import EquipmentFactory, ExerciseFactory, MuscleGroupFactory, UserFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def other_trainer(db):
    """A trainer with no link to anyone in these tests: the library is the same for them."""
    return UserFactory(role=Role.TRAINER, email="other.trainer@example.test")


@pytest.fixture
def shipped_library(db) -> dict:
    """The whole shipped library in the database (the migration's rows may have been flushed)."""
    return exercise_library_sync()


@pytest.fixture
def small_library(db) -> SimpleNamespace:
    """Only these exercises: three shipped-like ones, two of the business's own, one archived.

    Whatever the migration loaded is removed first (inside the test's transaction).
    """
    Exercise.objects.all().delete()
    chest = MuscleGroupFactory(slug="chest", name="Chest")
    triceps = MuscleGroupFactory(slug="triceps", name="Triceps")
    quads = MuscleGroupFactory(slug="quadriceps", name="Quadriceps")
    glutes = MuscleGroupFactory(slug="glutes", name="Glutes")
    barbell = EquipmentFactory(slug="barbell", name="Barbell")
    dumbbell = EquipmentFactory(slug="dumbbell", name="Dumbbell")
    bench = EquipmentFactory(slug="bench", name="Bench")
    bench_press = ExerciseFactory(
        name="Barbell bench press",
        library_key="barbell-bench-press",
        primary_muscles=[chest],
        level=Level.BEGINNER,
    )
    bench_press.secondary_muscles.set([triceps])
    bench_press.equipment.set([barbell, bench])
    squat = ExerciseFactory(
        name="Barbell back squat",
        library_key="barbell-back-squat",
        primary_muscles=[quads, glutes],
        level=Level.INTERMEDIATE,
    )
    squat.equipment.set([barbell])
    plank = ExerciseFactory(
        name="Plank",
        library_key="plank",
        category=Category.CORE,
        tracking=Tracking.TIME,
        primary_muscles=[MuscleGroupFactory(slug="abs", name="Abdominals")],
    )
    pressé = ExerciseFactory(name="Développé couché haltères", primary_muscles=[chest])
    pressé.equipment.set([dumbbell, bench])
    kickback = ExerciseFactory(
        name="Cable triceps kickback", primary_muscles=[triceps], level=Level.ADVANCED
    )
    retired = ExerciseFactory(
        name="Old triceps drill", primary_muscles=[triceps], archived_at=timezone.now()
    )
    return SimpleNamespace(
        chest=chest,
        triceps=triceps,
        quads=quads,
        barbell=barbell,
        dumbbell=dumbbell,
        bench=bench,
        bench_press=bench_press,
        squat=squat,
        plank=plank,
        pressé=pressé,
        kickback=kickback,
        retired=retired,
    )


def picture_bytes(fmt: str = "PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def png_upload():
    def _make(name: str = "press.png") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, picture_bytes(), content_type="image/png")

    return _make


@pytest.fixture
def bearer(db):
    """`bearer(user)` gives a test client that presents a fresh API key of `user`."""

    def _client(user) -> HttpClient:
        _key, raw = account_services.api_key_create(user=user, name="Tests")
        return HttpClient(headers={"Authorization": f"Bearer {raw}"})

    return _client
