"""The demo gym's coaching: program templates, clients' copies, and weeks of logged workouts.

Built through the services, as trainers and clients would (so copies, week numbers,
planned loads with their progression, personal records and the audit log are real).
Chloe, the demo client, follows "Strength foundations" with Tara since six weeks ago
and has logged most of her sessions, with loads rising as the progression says.
"""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, Status
from fitnesscrm.training.library import exercise_library_sync
from fitnesscrm.training.models import Exercise, Program, ProgramDay, ProgramSet
from fitnesscrm.training.schedule import planned_load, program_week_for
from fitnesscrm.training.services import programs as program_services
from fitnesscrm.training.services import workouts as workout_services


@dataclass(frozen=True)
class Entry:
    exercise: str  # library key
    sets: int
    reps: tuple[int, int]
    load: Decimal | None = None  # kg
    rpe: Decimal | None = None
    rest: int | None = None
    step: Decimal = Decimal("0")  # kg a week
    superset: str = ""
    duration: int | None = None
    distance: int | None = None


# name, description, tags, days: (day name, entries)
TEMPLATES = [
    (
        "Strength foundations",
        "Three full-body days a week for lifters in their first year: the big lifts, "
        "2.5 kg more each week while the reps stay clean.",
        ["Strength", "Beginner"],
        [
            (
                "Day A: squat and press",
                [
                    Entry(
                        "barbell-back-squat",
                        3,
                        (5, 5),
                        Decimal("40"),
                        Decimal("7"),
                        150,
                        Decimal("2.5"),
                    ),
                    Entry(
                        "barbell-bench-press",
                        3,
                        (5, 5),
                        Decimal("30"),
                        Decimal("7"),
                        150,
                        Decimal("2.5"),
                    ),
                    Entry(
                        "barbell-bent-over-row",
                        3,
                        (8, 10),
                        Decimal("30"),
                        None,
                        90,
                        Decimal("1.25"),
                    ),
                ],
            ),
            (
                "Day B: hinge and pull",
                [
                    Entry(
                        "barbell-deadlift",
                        3,
                        (5, 5),
                        Decimal("50"),
                        Decimal("7"),
                        180,
                        Decimal("2.5"),
                    ),
                    Entry(
                        "barbell-overhead-press",
                        3,
                        (5, 8),
                        Decimal("20"),
                        None,
                        120,
                        Decimal("1.25"),
                    ),
                    Entry("lat-pulldown", 3, (10, 12), Decimal("30"), None, 60, superset="A"),
                    Entry("plank", 3, (1, 1), None, None, 60, superset="A", duration=45),
                ],
            ),
            (
                "Day C: conditioning",
                [
                    Entry("goblet-squat", 3, (10, 12), Decimal("16"), None, 60),
                    Entry("dumbbell-romanian-deadlift", 3, (10, 12), Decimal("14"), None, 60),
                    Entry("rowing-machine", 1, (1, 1), None, None, None, distance=2000),
                ],
            ),
        ],
    ),
    (
        "Run-ready legs",
        "Two sessions a week of single-leg strength and calf work for runners.",
        ["Running", "Intermediate"],
        [
            (
                "Legs",
                [
                    Entry(
                        "bulgarian-split-squat",
                        3,
                        (8, 10),
                        Decimal("12"),
                        Decimal("8"),
                        90,
                        Decimal("1"),
                    ),
                    Entry("standing-calf-raise", 3, (12, 15), Decimal("40"), None, 60),
                    Entry("glute-bridge", 3, (12, 15), None, None, 60),
                ],
            ),
            (
                "Power",
                [
                    Entry("box-jump", 4, (5, 5), None, None, 90),
                    Entry("dumbbell-walking-lunge", 3, (10, 12), Decimal("10"), None, 60),
                ],
            ),
        ],
    ),
    (
        "Mobility reset",
        "A short daily routine for desk workers: hips, upper back and shoulders.",
        ["Mobility"],
        [
            (
                "Daily",
                [
                    Entry("cat-cow", 1, (10, 10)),
                    Entry("worlds-greatest-stretch", 1, (6, 6)),
                    Entry("band-pull-apart", 2, (15, 20)),
                ],
            ),
        ],
    ),
]
MARKER = TEMPLATES[0][0]
WEEKS_AGO = 6


def demo_training_exists() -> bool:
    return Program.objects.filter(name=MARKER, client__isnull=True).exists()


def _exercises() -> dict[str, Exercise]:
    keys = {
        entry.exercise for _, _, _, days in TEMPLATES for _, entries in days for entry in entries
    }
    found = {e.library_key: e for e in Exercise.objects.filter(library_key__in=keys)}
    missing = keys - found.keys()
    if missing:
        raise RuntimeError(f"The exercise library lacks {sorted(missing)}")
    return found


def _set_values(entry: Entry) -> dict:
    values = {"reps_min": entry.reps[0], "reps_max": entry.reps[1]}
    if entry.load is not None:
        values.update(load=entry.load, load_unit="kg")
    if entry.rpe is not None:
        values["rpe"] = entry.rpe
    if entry.rest is not None:
        values["rest_seconds"] = entry.rest
    if entry.duration is not None:
        values = {"duration_seconds": entry.duration}
    if entry.distance is not None:
        values = {"distance_m": entry.distance}
    return values


def _build(owner, exercises: dict[str, Exercise]) -> list[Program]:
    built = []
    for name, description, tags, days in TEMPLATES:
        program = program_services.program_create(
            actor=owner, name=name, description=description, tags=tags, is_template=True
        )
        week = program.weeks.get()
        first_day = week.days.get()
        for index, (day_name, entries) in enumerate(days):
            if index == 0:
                day = program_services.day_update(actor=owner, day=first_day, name=day_name)
            else:
                day = program_services.day_add(actor=owner, week=week, name=day_name)
            for entry in entries:
                program_services.program_exercise_add(
                    actor=owner,
                    day=day,
                    exercise=exercises[entry.exercise],
                    sets=[_set_values(entry)] * entry.sets,
                    superset=entry.superset,
                    progression_step=entry.step,
                )
        built.append(program)
    return built


def _done(planned: ProgramSet, week_index: int, rng: random.Random):
    """What a keen client did for a planned set: the plan, now and then a rep short."""
    load = planned_load(planned, week_index)
    reps = planned.reps_max or planned.reps_min
    if reps and rng.random() < 0.15:
        reps -= 1
    rpe = None
    if planned.rpe is not None:
        rpe = min(Decimal("10"), planned.rpe + Decimal(rng.choice(["0", "0.5", "1"])))
    return workout_services.SetSpec(
        exercise=planned.program_exercise.exercise,
        program_set=planned,
        reps=reps if planned.duration_seconds is None and planned.distance_m is None else None,
        load=load,
        load_unit="kg",
        rpe=rpe,
        duration=planned.duration_seconds,
        distance=planned.distance_m,
    )


def _log_weeks(actor, client: Client, copy: Program, rng: random.Random, *, skip: float) -> int:
    """Log the copy's days from its start until yesterday, skipping some as people do."""
    logged = 0
    today = timezone.localdate()
    day_offsets = (0, 2, 4)  # the days of the week the sessions fall on
    current = copy.start_date
    while current < today:
        found = program_week_for(copy, current)
        if found is None:
            break
        week_index, week = found
        days = list(ProgramDay.objects.filter(week=week).order_by("position"))
        for offset, day in zip(day_offsets, days, strict=False):
            on = current + timedelta(days=offset)
            if on >= today or rng.random() < skip:
                continue
            planned = ProgramSet.objects.filter(program_exercise__day=day).select_related(
                "program_exercise__exercise"
            )
            workout_services.workout_log_create(
                actor=actor,
                client=client,
                performed_on=on,
                program_day=day,
                sets=[_done(row, week_index, rng) for row in planned],
                duration_minutes=rng.choice([45, 50, 55, 60]),
                notes=rng.choice(["", "", "Felt strong.", "Short on sleep.", "Good session."]),
            )
            logged += 1
        current += timedelta(days=7)
    return logged


@transaction.atomic
def load_demo_training(*, owner, coach_user, demo_client: Client | None) -> dict | None:
    """Templates, copies and logs, once; None if they are there already."""
    if demo_training_exists():
        return None
    exercise_library_sync()
    rng = random.Random(2027)  # noqa: S311 - demo data, not secrets  # nosec B311
    templates = _build(owner, _exercises())
    today = timezone.localdate()
    start = today - timedelta(weeks=WEEKS_AGO)
    counts = {"templates": len(templates), "assigned": 0, "workouts": 0}

    if demo_client is not None:
        copy = program_services.program_assign(
            actor=coach_user, program=templates[0], client=demo_client, start_date=start
        )
        counts["assigned"] += 1
        counts["workouts"] += _log_weeks(
            demo_client.user or coach_user, demo_client, copy, rng, skip=0.12
        )

    # A few of each trainer's active clients follow a template too.
    assignments = (
        Assignment.objects.filter(
            end_date__isnull=True, client__status=Status.ACTIVE, client__archived_at__isnull=True
        )
        .exclude(client=demo_client)
        .select_related("client", "trainer__user")
        .order_by("client_id")
    )
    for assignment in assignments[:24]:
        template = rng.choice(templates)
        begun = today - timedelta(days=rng.randint(3, 42))
        copy = program_services.program_assign(
            actor=assignment.trainer.user,
            program=template,
            client=assignment.client,
            start_date=begun,
        )
        counts["assigned"] += 1
        counts["workouts"] += _log_weeks(
            assignment.trainer.user, assignment.client, copy, rng, skip=rng.choice([0.1, 0.3, 0.6])
        )
    return counts
