"""Logging a workout: what is stored, the records it sets, and what is refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.clients.services import MERGE_HOOKS, client_merge
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.training.models import LoggedSet, PersonalRecord, RecordKind, WorkoutLog
from fitnesscrm.training.services.workouts import (
    SetSpec,
    workout_log_create,
    workout_log_delete,
    workout_log_update,
    workout_logs_merge,
)
from tests.factories import ExerciseFactory, MemberFactory, UserFactory, created_days_ago
from tests.training.workouts.conftest import make_plan

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def squat_sets(plan, loads=(100, 105, 110), reps=5, unit="kg"):
    return [
        SetSpec(exercise=None, program_set=s, reps=reps, load=Decimal(load), load_unit=unit)
        for s, load in zip(plan.squat.sets.all(), loads, strict=False)
    ]


def log(actor, client, sets, *, day=None, on=None, **kwargs):
    return workout_log_create(
        actor=actor,
        client=client,
        performed_on=on or TODAY(),
        program_day=day,
        sets=sets,
        **kwargs,
    )


def record(client, exercise, kind, reps=0):
    return PersonalRecord.objects.get(client=client, exercise=exercise, kind=kind, reps=reps)


def test_a_logged_day_counts_for_the_week_of_the_program_it_was_done_in(trainer, gym, plan):
    done = log(trainer, gym.member, squat_sets(plan), day=plan.days[0])
    assert done.program == plan.program
    assert done.week_index == 1  # started ten days ago
    assert done.logged_by == trainer
    assert list(done.sets.values_list("position", "reps", "load_kg")) == [
        (1, 5, Decimal("100.00")),
        (2, 5, Decimal("105.00")),
        (3, 5, Decimal("110.00")),
    ]


def test_loads_in_pounds_are_kept_as_logged_and_converted_to_kg(client_user, gym, plan):
    done = log(client_user, gym.member, squat_sets(plan, loads=(225,), unit="lb"), day=plan.days[0])
    logged = done.sets.get()
    assert (logged.load, logged.load_unit, logged.load_kg) == (
        Decimal("225"),
        "lb",
        Decimal("102.06"),
    )
    assert logged.e1rm_kg == Decimal("119.07")  # 102.0583 x 35/30
    [e1rm] = [r for r in done.new_records if r.kind == RecordKind.E1RM]
    assert str(e1rm) == f"{plan.squat.exercise.name} e1RM 119.1 kg (262.5 lb)"


def test_the_first_workout_sets_every_record_and_says_so(trainer, gym, plan):
    done = log(trainer, gym.member, squat_sets(plan), day=plan.days[0])
    squat = plan.squat.exercise
    assert record(gym.member, squat, RecordKind.E1RM).value_kg == Decimal("128.33")
    assert record(gym.member, squat, RecordKind.LOAD_FOR_REPS, 5).value_kg == Decimal("110.00")
    assert record(gym.member, squat, RecordKind.VOLUME).value_kg == Decimal("1575.00")
    assert [str(r) for r in done.new_records] == [
        f"{squat.name} e1RM 128.3 kg",
        f"{squat.name} best for 5 reps 110 kg",
        f"{squat.name} workout volume 1575 kg",
    ]


def test_a_lighter_workout_sets_no_record_and_a_heavier_one_does(trainer, gym, plan):
    log(trainer, gym.member, squat_sets(plan), day=plan.days[0], on=TODAY() - timedelta(days=2))
    lighter = log(trainer, gym.member, squat_sets(plan, loads=(90, 90, 90)), day=plan.days[0])
    assert lighter.new_records == []
    heavier = log(trainer, gym.member, squat_sets(plan, loads=(125,), reps=3), day=plan.days[0])
    kinds = {(r.kind, r.reps) for r in heavier.new_records}
    assert kinds == {(RecordKind.E1RM, 0), (RecordKind.LOAD_FOR_REPS, 3)}
    assert record(gym.member, plan.squat.exercise, RecordKind.E1RM).log == heavier


def test_editing_a_workout_down_gives_the_record_back_to_the_next_best(trainer, gym, plan):
    older = log(
        trainer,
        gym.member,
        squat_sets(plan, loads=(100,)),
        day=plan.days[0],
        on=TODAY() - timedelta(days=1),
    )
    best = log(trainer, gym.member, squat_sets(plan, loads=(120,)), day=plan.days[0])
    e1rm = record(gym.member, plan.squat.exercise, RecordKind.E1RM)
    assert (e1rm.log, e1rm.value_kg) == (best, Decimal("140.00"))
    workout_log_update(
        actor=trainer, log=best, performed_on=best.performed_on, sets=squat_sets(plan, loads=(80,))
    )
    e1rm = record(gym.member, plan.squat.exercise, RecordKind.E1RM)
    assert (e1rm.log, e1rm.value_kg) == (older, Decimal("116.67"))


def test_deleting_a_workout_removes_the_records_only_it_held(trainer, gym, plan):
    first = log(trainer, gym.member, squat_sets(plan, loads=(100,)), day=plan.days[0])
    bench = plan.bench.sets.first()
    second = log(
        trainer,
        gym.member,
        [SetSpec(exercise=None, program_set=bench, reps=8, load=60)],
        day=plan.days[0],
    )
    workout_log_delete(actor=trainer, log=second)
    assert not WorkoutLog.objects.filter(pk=second.pk).exists()
    assert not PersonalRecord.objects.filter(exercise=plan.bench.exercise).exists()
    assert PersonalRecord.objects.filter(exercise=plan.squat.exercise, log=first).count() == 3
    assert AuditEntry.objects.filter(action="workout_log.delete", object_id=str(second.pk)).exists()


def test_extra_sets_and_off_plan_workouts_are_logged_too(client_user, gym):
    row = ExerciseFactory(name="Cable row")
    done = log(
        client_user,
        gym.member,
        [SetSpec(exercise=row, reps=12, load=40, rpe=Decimal("8.5"), notes="slow")],
        notes="Hotel gym",
        duration_minutes=40,
        session_rpe=7,
    )
    assert (done.program, done.program_day, done.week_index) == (None, None, None)
    logged = done.sets.get()
    assert (logged.program_set, logged.rpe, logged.notes) == (None, Decimal("8.5"), "slow")
    assert logged.e1rm_kg == Decimal("56.00")


def test_a_planned_set_not_done_is_stored_as_missed_and_sets_no_record(trainer, gym, plan):
    missed = [SetSpec(exercise=None, program_set=plan.squat.sets.first(), completed=False)]
    done = log(trainer, gym.member, missed, day=plan.days[0])
    assert done.sets.get().completed is False
    assert done.new_records == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reps": -1}, "sets.0.reps", "Reps are a whole number from 0 to 500."),
        ({"load": Decimal("2000")}, "sets.0.load", "The load is at most 1000 kg."),
        ({"load": Decimal("-5")}, "sets.0.load", "The load cannot be negative."),
        ({"rpe": Decimal("11")}, "sets.0.rpe", "RPE is from 1 to 10."),
        ({"load_unit": "pct_1rm"}, "sets.0.load_unit", "Log the load in kg or lb."),
        ({"reps": None}, "sets.0.reps", "Enter the reps (or time, or distance) done."),
    ],
)
def test_bad_numbers_are_refused_with_a_message_and_nothing_is_stored(
    trainer, gym, plan, change, field, message
):
    spec = squat_sets(plan, loads=(100,))[0]
    for name, value in change.items():
        setattr(spec, name, value)
    with pytest.raises(ApplicationError) as refused:
        log(trainer, gym.member, [spec], day=plan.days[0])
    assert refused.value.errors == [{"field": field, "message": message}]
    assert not WorkoutLog.objects.exists()
    assert not LoggedSet.objects.exists()
    assert not PersonalRecord.objects.exists()


def test_a_workout_in_the_future_or_before_the_program_is_refused(trainer, gym, plan):
    with pytest.raises(ApplicationError, match="in the future"):
        log(trainer, gym.member, squat_sets(plan), day=plan.days[0], on=TODAY() + timedelta(days=1))
    with pytest.raises(ApplicationError, match="The program starts on"):
        log(
            trainer, gym.member, squat_sets(plan), day=plan.days[0], on=TODAY() - timedelta(days=30)
        )
    squat = SetSpec(exercise=plan.squat.exercise, reps=5, load=100)
    with pytest.raises(ApplicationError, match="too far back"):
        log(trainer, gym.member, [squat], on=TODAY() - timedelta(days=800))
    assert not WorkoutLog.objects.exists()


def test_a_new_client_may_have_the_last_year_typed_in(trainer, gym):
    fresh = MemberFactory()
    from tests.factories import AssignmentFactory

    AssignmentFactory(client=fresh, trainer=gym.coach)
    row = ExerciseFactory()
    log(trainer, fresh, [SetSpec(exercise=row, reps=5, load=50)], on=TODAY() - timedelta(days=300))
    with pytest.raises(ApplicationError, match="too far back"):
        log(
            trainer,
            fresh,
            [SetSpec(exercise=row, reps=5, load=50)],
            on=TODAY() - timedelta(days=366),
        )


def test_a_planned_set_of_another_day_is_refused(trainer, gym, plan):
    other_day_set = plan.days[1].exercises.first().sets.first()
    with pytest.raises(ApplicationError) as refused:
        log(
            trainer,
            gym.member,
            [SetSpec(exercise=None, program_set=other_day_set, duration=60)],
            day=plan.days[0],
        )
    assert refused.value.errors[0]["field"] == "sets.0.program_set"


def test_a_day_of_someone_elses_program_does_not_exist_for_the_logger(trainer, gym, plan):
    stranger_plan = make_plan(gym.stranger)
    with pytest.raises(NotFound):
        log(trainer, gym.member, squat_sets(stranger_plan), day=stranger_plan.days[0])


def test_only_people_who_may_see_the_client_can_log_for_them(
    gym, plan, front_desk, outsider, owner, manager
):
    other_trainer = gym.other_coach.user
    for actor in (other_trainer, front_desk, outsider):
        with pytest.raises(NotFound):
            log(actor, gym.member, squat_sets(plan), day=plan.days[0])
    assert not WorkoutLog.objects.exists()
    for actor in (owner, manager):
        log(actor, gym.member, squat_sets(plan), day=plan.days[0])
    assert WorkoutLog.objects.count() == 2


def test_others_cannot_change_or_delete_a_clients_workout(trainer, gym, plan, outsider):
    done = log(trainer, gym.member, squat_sets(plan), day=plan.days[0])
    for actor in (gym.other_coach.user, outsider, UserFactory(role="front_desk")):
        with pytest.raises(NotFound):
            workout_log_update(actor=actor, log=done, performed_on=TODAY(), sets=squat_sets(plan))
        with pytest.raises(NotFound):
            workout_log_delete(actor=actor, log=done)
    assert done.sets.count() == 3


def test_each_change_is_audited_without_the_numbers(trainer, gym, plan):
    done = log(trainer, gym.member, squat_sets(plan), day=plan.days[0])
    workout_log_update(
        actor=trainer, log=done, performed_on=TODAY(), sets=squat_sets(plan, loads=(90,))
    )
    entries = AuditEntry.objects.filter(object_id=str(done.pk)).order_by("id")
    assert [e.action for e in entries] == ["workout_log.create", "workout_log.update"]
    assert entries[1].changes == {"sets": "1 set"}


def test_a_merge_moves_the_workouts_and_keeps_the_better_records(owner, trainer, gym, plan):
    duplicate = created_days_ago(MemberFactory(first_name="Cleo"), 100)
    squat = plan.squat.exercise
    log(owner, gym.member, [SetSpec(exercise=squat, reps=5, load=100)])
    log(
        owner,
        duplicate,
        [SetSpec(exercise=squat, reps=5, load=120)],
        on=TODAY() - timedelta(days=3),
    )
    registered = workout_logs_merge in MERGE_HOOKS
    if not registered:
        MERGE_HOOKS.append(workout_logs_merge)
    try:
        client_merge(actor=owner, survivor=gym.member, duplicate=duplicate)
    finally:
        if not registered:
            MERGE_HOOKS.remove(workout_logs_merge)
    assert WorkoutLog.objects.filter(client=gym.member).count() == 2
    assert not PersonalRecord.objects.filter(client=duplicate).exists()
    assert record(gym.member, squat, RecordKind.E1RM).value_kg == Decimal("140.00")
