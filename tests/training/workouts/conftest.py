"""The world of the workout tests: the gym of build_gym and a client copy of a program."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.training.models import Program, ProgramDay, ProgramExercise
from tests.factories import (
    ExerciseFactory,
    ProgramDayFactory,
    ProgramExerciseFactory,
    ProgramFactory,
    ProgramSetFactory,
    ProgramWeekFactory,
    build_gym,
    created_days_ago,
)


@pytest.fixture
def gym(trainer, client_user, outsider):
    gym = build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    # Clients who joined a while ago, so past workouts can be logged for them.
    for record in (gym.member, gym.stranger, gym.outsider_record):
        created_days_ago(record, 400)
    return gym


@dataclass
class Plan:
    program: Program
    days: list[ProgramDay]
    squat: ProgramExercise
    bench: ProgramExercise


def make_plan(client, *, coach=None, started_days_ago=10, days=3, weeks=1, step="2.5") -> Plan:
    """A copy for `client`: `weeks` weeks of `days` days; day 1 is 3x5 squat at 100 kg
    (+`step` a week) and 3x8 bench at 60 kg; the other days have a plank."""
    start = timezone.localdate() - timedelta(days=started_days_ago)
    program = ProgramFactory(
        client=client, start_date=start, status="active", trainer=coach, name="Strength base"
    )
    squat_exercise = ExerciseFactory(name=f"Back squat {program.pk}")
    bench_exercise = ExerciseFactory(name=f"Bench press {program.pk}")
    plank = ExerciseFactory(name=f"Plank {program.pk}", tracking="time")
    all_days = []
    for number in range(1, weeks + 1):
        week = ProgramWeekFactory(program=program, number=number)
        for position in range(1, days + 1):
            all_days.append(
                ProgramDayFactory(
                    week=week, position=position, name=f"Day {'ABCDEFG'[position - 1]}"
                )
            )
    first = all_days[0]
    squat = ProgramExerciseFactory(
        day=first, exercise=squat_exercise, position=1, progression_step=Decimal(step)
    )
    bench = ProgramExerciseFactory(day=first, exercise=bench_exercise, position=2)
    for n in range(1, 4):
        ProgramSetFactory(program_exercise=squat, position=n, reps_min=5, reps_max=5, load=100)
        ProgramSetFactory(program_exercise=bench, position=n, reps_min=8, reps_max=8, load=60)
    for day in all_days[1:]:
        entry = ProgramExerciseFactory(day=day, exercise=plank, position=1)
        ProgramSetFactory(
            program_exercise=entry, reps_min=None, reps_max=None, load=None, duration_seconds=60
        )
    return Plan(program, all_days, squat, bench)


@pytest.fixture
def plan(gym):
    return make_plan(gym.member, coach=gym.coach)
