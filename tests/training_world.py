"""Training and progress records for the authorization matrices (pages and API).

`give_training` gives a gym what the exercise library, program, workout and photo pages
are asked about: one of the business's own exercises (with a picture), a library program,
the member's active copy of it (coached by the member's trainer) and the stranger's (by the
other trainer), a workout logged on each copy and a progress photo of each client (both
consented to health data being recorded). Files go to the storage of the test's MEDIA_ROOT.

`give_progress` gives what the measurement, goal and consent pages are asked about: both
clients' consent to health data, a measurement of each recorded by their trainer and a
goal of each set by their trainer, and the member's own measurement and personal goal
(what a client may change in the portal; the trainer's are only shown to them).
"""

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from fitnesscrm.clients.models import Client, ConsentRecord
from fitnesscrm.progress.models import (
    Goal,
    GoalMetric,
    GoalMilestone,
    Measurement,
    ProgressPhoto,
    ProgressSettings,
)
from fitnesscrm.progress.storage import FOLDER, photo_storage
from fitnesscrm.trainers.models import Trainer
from fitnesscrm.training.models import (
    Exercise,
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramWeek,
    WorkoutLog,
)
from fitnesscrm.training.services import workouts
from tests.factories import (
    ExerciseFactory,
    GoalFactory,
    MeasurementFactory,
    ProgramDayFactory,
    ProgramExerciseFactory,
    ProgramFactory,
    ProgramSetFactory,
    ProgramWeekFactory,
    give_health_consent,
)


@dataclass
class Plan:
    """A program with one week, one day, one exercise and one set."""

    program: Program
    week: ProgramWeek
    day: ProgramDay
    entry: ProgramExercise
    set: ProgramSet


@dataclass
class TrainingRecords:
    exercise: Exercise  # the business's own, with a picture
    library: Plan  # a program of the library
    copy: Plan  # the member's active copy, coached by the member's trainer
    stranger_copy: Plan  # the stranger's, coached by the other trainer
    log: WorkoutLog  # the member's workout on their copy
    stranger_log: WorkoutLog
    photo: ProgressPhoto  # the member's front photo
    stranger_photo: ProgressPhoto


def picture(fmt: str = "JPEG", colour=(20, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 32), colour).save(out, format=fmt)
    return out.getvalue()


def _plan(exercise: Exercise, **program) -> Plan:
    built = ProgramFactory(**program)
    week = ProgramWeekFactory(program=built, number=1)
    day = ProgramDayFactory(week=week, position=1, name="Day A")
    entry = ProgramExerciseFactory(day=day, exercise=exercise, position=1)
    row = ProgramSetFactory(program_exercise=entry, position=1, load=Decimal("60"))
    return Plan(built, week, day, entry, row)


def _copy(exercise: Exercise, client: Client, coach: Trainer, source: Program) -> Plan:
    return _plan(
        exercise,
        name="Matrix strength block",
        client=client,
        trainer=coach,
        source=source,
        status="active",
        start_date=timezone.localdate() - timedelta(days=2),
    )


def _log(actor, plan: Plan) -> WorkoutLog:
    return workouts.workout_log_create(
        actor=actor,
        client=plan.program.client,
        performed_on=timezone.localdate(),
        program_day=plan.day,
        sets=[workouts.SetSpec(exercise=None, program_set=plan.set, reps=5, load=Decimal("60"))],
    )


def _photo(client: Client) -> ProgressPhoto:
    give_health_consent(client)
    storage = photo_storage()
    name = storage.save(f"{FOLDER}/matrix.jpg", ContentFile(picture()))
    return ProgressPhoto.objects.create(
        client=client,
        pose="front",
        taken_on=timezone.localdate(),
        image=name,
        width=24,
        height=32,
        size_bytes=storage.size(name),
    )


def give_training(
    *, member: Client, coach: Trainer, stranger: Client, other_coach: Trainer
) -> TrainingRecords:
    exercise = ExerciseFactory(name="Matrix landmine press")
    exercise.image.save("landmine.png", ContentFile(picture("PNG")), save=True)
    library = _plan(exercise, name="Matrix library block")
    copy = _copy(exercise, member, coach, library.program)
    stranger_copy = _copy(exercise, stranger, other_coach, library.program)
    return TrainingRecords(
        exercise=exercise,
        library=library,
        copy=copy,
        stranger_copy=stranger_copy,
        log=_log(coach.user, copy),
        stranger_log=_log(other_coach.user, stranger_copy),
        photo=_photo(member),
        stranger_photo=_photo(stranger),
    )


@dataclass
class ProgressRecords:
    measurement: Measurement  # the member's, recorded by their trainer
    own_measurement: Measurement  # the member's, recorded by the member
    goal: Goal  # the member's, set by their trainer (with a milestone)
    own_goal: Goal  # the member's personal goal
    stranger_measurement: Measurement  # recorded by the other trainer
    stranger_goal: Goal  # set by the other trainer


def give_progress(
    *, member: Client, coach: Trainer, stranger: Client, other_coach: Trainer, stranger_note=""
) -> ProgressRecords:
    """`stranger_note` is written on the stranger's records, for answers to be searched for."""
    give_health_consent(member, by=member.user)
    give_health_consent(stranger, by=other_coach.user)
    yesterday = timezone.localdate() - timedelta(days=1)
    goal = GoalFactory(client=member, created_by=coach.user, title="Matrix weight goal")
    GoalMilestone.objects.create(goal=goal, label="Halfway", value=Decimal("85"))
    return ProgressRecords(
        measurement=MeasurementFactory(
            client=member, recorded_by=coach.user, measured_on=yesterday, height_cm=Decimal("172")
        ),
        own_measurement=MeasurementFactory(
            client=member, recorded_by=member.user, weight_kg=Decimal("84.5")
        ),
        goal=goal,
        own_goal=GoalFactory(
            client=member,
            created_by=member.user,
            title="Matrix waist goal",
            metric=GoalMetric.WAIST,
            start_value=Decimal("92"),
            target_value=Decimal("86"),
        ),
        stranger_measurement=MeasurementFactory(
            client=stranger, recorded_by=other_coach.user, notes=stranger_note
        ),
        stranger_goal=GoalFactory(
            client=stranger, created_by=other_coach.user, notes=stranger_note
        ),
    )


def training_snapshot() -> tuple:
    """What a refused request must leave as it was, in training and progress."""
    return (
        list(
            Exercise.objects.filter(library_key="")
            .order_by("pk")
            .values_list("pk", "name", "archived_at", "updated_at")
        ),
        Exercise.objects.filter(archived_at__isnull=False).count(),
        list(
            Program.objects.order_by("pk").values_list(
                "pk", "name", "status", "archived_at", "is_template", "updated_at"
            )
        ),
        list(ProgramWeek.objects.order_by("pk").values_list("pk", "number")),
        list(ProgramDay.objects.order_by("pk").values_list("pk", "name", "position")),
        list(ProgramExercise.objects.order_by("pk").values_list("pk", "day", "position", "notes")),
        list(ProgramSet.objects.order_by("pk").values_list("pk", "reps_min", "reps_max", "load")),
        list(
            WorkoutLog.objects.order_by("pk").values_list(
                "pk", "performed_on", "notes", "updated_at"
            )
        ),
        list(ProgressPhoto.objects.order_by("pk").values_list("pk", "image")),
        progress_snapshot(),
    )


def progress_snapshot() -> tuple:
    """Measurements, goals, consents, units, and the health notes an erasure clears."""
    return (
        list(
            Measurement.objects.order_by("pk").values_list(
                "pk", "client", "measured_on", "weight_kg", "notes", "updated_at"
            )
        ),
        list(
            Goal.objects.order_by("pk").values_list(
                "pk", "client", "title", "status", "target_value", "target_date", "updated_at"
            )
        ),
        list(GoalMilestone.objects.order_by("pk").values_list("pk", "value", "label")),
        list(ConsentRecord.objects.order_by("pk").values_list("pk", "client", "granted")),
        list(ProgressSettings.objects.values_list("pk", "unit_system", "updated_at")),
        list(Client.objects.order_by("pk").values_list("pk", "health_notes", "injuries")),
    )
