"""The exercise library shipped in fitnesscrm/training/data/exercises.json, and its migration."""

import importlib
import re
from collections import Counter

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fitnesscrm.training.library import load_data
from fitnesscrm.training.models import Category, Equipment, Exercise, Level, MuscleGroup, Tracking

DATA = load_data()
EXERCISES = DATA["exercises"]
MUSCLES = {row["slug"] for row in DATA["muscle_groups"]}
EQUIPMENT = {row["slug"] for row in DATA["equipment"]}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STEP = re.compile(r"^(\d)\. \S.*$")


def test_the_library_ships_at_least_one_hundred_and_fifty_exercises():
    assert len(EXERCISES) >= 160


def test_every_category_of_the_model_has_exercises():
    assert {row["category"] for row in EXERCISES} == set(Category.values)
    assert {row["level"] for row in EXERCISES} == set(Level.values)
    assert {row["tracking"] for row in EXERCISES} == set(Tracking.values)


@pytest.mark.parametrize("row", EXERCISES, ids=[row["key"] for row in EXERCISES])
def test_each_shipped_exercise_is_valid_against_the_model(row):
    assert SLUG.match(row["key"]) and len(row["key"]) <= 120
    assert row["name"] == row["name"].strip() and 0 < len(row["name"]) <= 120
    assert row["category"] in Category.values
    assert row["level"] in Level.values
    assert row["tracking"] in Tracking.values
    assert row["primary_muscles"], "every exercise works at least one primary muscle"
    assert set(row["primary_muscles"]) <= MUSCLES
    assert set(row["secondary_muscles"]) <= MUSCLES
    assert not set(row["primary_muscles"]) & set(row["secondary_muscles"])
    assert set(row["equipment"]) <= EQUIPMENT
    assert row["video_url"] == "" or row["video_url"].startswith("https://")


@pytest.mark.parametrize("row", EXERCISES, ids=[row["key"] for row in EXERCISES])
def test_each_shipped_exercise_has_two_to_four_numbered_steps(row):
    lines = row["instructions"].split("\n")
    assert 2 <= len(lines) <= 4
    numbers = [int(STEP.match(line).group(1)) for line in lines]
    assert numbers == list(range(1, len(lines) + 1))
    assert len(row["instructions"]) <= 4000


def test_cardio_is_tracked_by_time_or_by_distance_and_time():
    cardio = [row for row in EXERCISES if row["category"] == Category.CARDIO]
    assert cardio and {row["tracking"] for row in cardio} <= {Tracking.TIME, Tracking.DISTANCE_TIME}


def test_no_two_shipped_exercises_share_a_key_or_a_name_whatever_its_case():
    keys = Counter(row["key"] for row in EXERCISES)
    names = Counter(row["name"].lower() for row in EXERCISES)
    assert [k for k, n in keys.items() if n > 1] == []
    assert [k for k, n in names.items() if n > 1] == []


def test_muscle_groups_and_equipment_have_unique_slugs_and_names_and_are_all_used():
    for rows in (DATA["muscle_groups"], DATA["equipment"]):
        assert len({r["slug"] for r in rows}) == len(rows)
        assert len({r["name"].lower() for r in rows}) == len(rows)
        assert all(SLUG.match(r["slug"]) and len(r["slug"]) <= 40 for r in rows)
    used_muscles = {m for r in EXERCISES for m in r["primary_muscles"] + r["secondary_muscles"]}
    assert used_muscles == MUSCLES
    assert {e for r in EXERCISES for e in r["equipment"]} == EQUIPMENT


def test_strength_work_covers_every_kind_of_equipment_asked_for():
    strength = [row for row in EXERCISES if row["category"] == Category.STRENGTH]
    kit = Counter(e for row in strength for e in row["equipment"])
    for slug in ("barbell", "dumbbell", "kettlebell", "cable", "machine", "bodyweight",
                 "resistance-band"):  # fmt: skip
        assert kit[slug] >= 5 or (slug == "kettlebell" and kit[slug] >= 3), slug


def test_the_migration_loads_the_whole_shipped_library_into_an_empty_database(db):
    Exercise.objects.all().delete()
    MuscleGroup.objects.all().delete()
    Equipment.objects.all().delete()
    state = MigrationExecutor(connection).loader.project_state(
        ("training", "0002_exercise_library")
    )
    migration = importlib.import_module("fitnesscrm.training.migrations.0002_exercise_library")

    migration.load_library(state.apps, None)

    assert Exercise.objects.filter(library_key__gt="").count() == len(EXERCISES)
    assert MuscleGroup.objects.count() == len(MUSCLES)
    assert Equipment.objects.count() == len(EQUIPMENT)
    squat = Exercise.objects.get(library_key="barbell-back-squat")
    assert {m.slug for m in squat.primary_muscles.all()} == {"quadriceps", "glutes"}
    assert {e.slug for e in squat.equipment.all()} == {"barbell"}
    assert squat.instructions.startswith("1. ")


def test_the_migration_skips_what_is_there_and_a_name_the_business_already_uses(db):
    Exercise.objects.all().delete()
    own = Exercise.objects.create(name="PLANK", instructions="Our own plank.")
    state = MigrationExecutor(connection).loader.project_state(
        ("training", "0002_exercise_library")
    )
    migration = importlib.import_module("fitnesscrm.training.migrations.0002_exercise_library")

    migration.load_library(state.apps, None)
    migration.load_library(state.apps, None)

    assert Exercise.objects.filter(library_key__gt="").count() == len(EXERCISES) - 1
    own.refresh_from_db()
    assert own.library_key == "" and own.instructions == "Our own plank."
