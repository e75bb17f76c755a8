"""A gym with a built program: two weeks, days with exercises and sets."""

from decimal import Decimal

import pytest

from fitnesscrm.training.models import Tracking
from tests.factories import (
    ExerciseFactory,
    ProgramDayFactory,
    ProgramExerciseFactory,
    ProgramFactory,
    ProgramSetFactory,
    ProgramWeekFactory,
    build_gym,
)


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.fixture
def exercises(db):
    return {
        "squat": ExerciseFactory(name="Squat (test)"),
        "bench": ExerciseFactory(name="Bench (test)"),
        "row": ExerciseFactory(name="Row (test)"),
        "plank": ExerciseFactory(name="Plank (test)", tracking=Tracking.TIME),
        "run": ExerciseFactory(name="Run (test)", tracking=Tracking.DISTANCE_TIME),
    }


def build_program(exercises, *, weeks: int = 1, name: str = "Strength base", **kwargs):
    """A library program: each week has Day A (squat, bench, row) and Day B (empty)."""
    program = ProgramFactory(name=name, **kwargs)
    for number in range(1, weeks + 1):
        week = ProgramWeekFactory(program=program, number=number)
        day_a = ProgramDayFactory(week=week, position=1, name="Day A")
        ProgramDayFactory(week=week, position=2, name="Day B")
        for position, key in enumerate(("squat", "bench", "row"), start=1):
            entry = ProgramExerciseFactory(day=day_a, exercise=exercises[key], position=position)
            for set_position in (1, 2):
                ProgramSetFactory(program_exercise=entry, position=set_position, load=Decimal("60"))
    return program


@pytest.fixture
def program(exercises):
    return build_program(exercises)


def day_order(day) -> list[str]:
    return [e.exercise.name for e in day.exercises.order_by("position").select_related("exercise")]


@pytest.fixture
def api(db):
    """`api(user)`: a test client presenting a new API key of `user` (a session for clients)."""
    from django.test import Client

    from fitnesscrm.accounts import services
    from fitnesscrm.core.permissions import can_manage_api_keys

    def _client(user) -> Client:
        if not can_manage_api_keys(user):
            http = Client()
            http.force_login(user)
            return http
        _key, raw = services.api_key_create(user=user, name="Tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return _client


def send(http, method: str, url: str, data=None, **extra):
    import json

    body = json.dumps(data) if data is not None else ""
    return getattr(http, method)(url, body, content_type="application/json", **extra)
