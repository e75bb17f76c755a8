"""Goal progress is computed from measurements and logs: 90 → 80 kg at 85 kg is 50 %."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.progress.models import GoalMetric, GoalMilestone, GoalStatus
from fitnesscrm.progress.selectors import goals as selectors
from fitnesscrm.progress.services.goals import goals_check
from fitnesscrm.training.models import WorkoutLog
from tests.factories import ExerciseFactory, GoalFactory, MeasurementFactory
from tests.progress.measurements.helpers import log_set

TODAY = timezone.localdate


def progress(user, goal):
    return selectors.goal_get(user=user, goal_id=goal.pk).progress


def test_a_weight_loss_goal_from_90_to_80_kg_is_half_done_at_85_kg(owner, gym):
    goal = GoalFactory(client=gym.member)
    MeasurementFactory(client=gym.member, weight_kg=Decimal("85"))

    result = progress(owner, goal)

    assert result.current == Decimal("85")
    assert result.percent == 50
    assert not result.reached


def test_an_increasing_goal_counts_up_the_same_way(owner, gym):
    goal = GoalFactory(
        client=gym.member,
        metric=GoalMetric.MUSCLE_MASS,
        start_value=Decimal("30"),
        target_value=Decimal("34"),
    )
    MeasurementFactory(client=gym.member, weight_kg=None, muscle_mass_kg=Decimal("33"))
    assert progress(owner, goal).percent == 75


def test_the_newest_measurement_since_the_start_counts_not_older_ones(owner, gym):
    start = TODAY() - timedelta(days=10)
    goal = GoalFactory(client=gym.member, start_date=start)
    MeasurementFactory(
        client=gym.member, weight_kg=Decimal("70"), measured_on=start - timedelta(days=1)
    )
    assert progress(owner, goal).current is None
    MeasurementFactory(
        client=gym.member, weight_kg=Decimal("88"), measured_on=start + timedelta(days=1)
    )
    MeasurementFactory(
        client=gym.member, weight_kg=Decimal("86"), measured_on=start + timedelta(days=5)
    )
    MeasurementFactory(
        client=gym.member, weight_kg=None, waist_cm=Decimal("90"), measured_on=TODAY()
    )
    result = progress(owner, goal)
    assert result.current == Decimal("86")
    assert result.current_on == start + timedelta(days=5)
    assert result.percent == 40


def test_progress_is_shown_between_0_and_100_percent(owner, gym):
    goal = GoalFactory(client=gym.member)
    MeasurementFactory(client=gym.member, weight_kg=Decimal("93"))
    assert progress(owner, goal).percent == 0
    MeasurementFactory(client=gym.member, weight_kg=Decimal("78"))
    assert progress(owner, goal).percent == 100
    assert progress(owner, goal).reached


def test_an_e1rm_goal_reads_the_best_estimated_1rm_logged_since_the_start(owner, gym):
    squat = ExerciseFactory(name="Squat")
    start = TODAY() - timedelta(days=20)
    goal = GoalFactory(
        client=gym.member,
        metric=GoalMetric.E1RM,
        exercise=squat,
        start_value=Decimal("100"),
        target_value=Decimal("120"),
        start_date=start,
    )
    log_set(gym.member, squat, start - timedelta(days=1), e1rm_kg="150")  # before the start
    log_set(gym.member, squat, start + timedelta(days=2), e1rm_kg="105")
    log_set(gym.member, squat, start + timedelta(days=9), e1rm_kg="112.5")
    log_set(gym.member, squat, start + timedelta(days=12), e1rm_kg="110")
    log_set(gym.member, ExerciseFactory(), start + timedelta(days=3), e1rm_kg="200")
    log_set(gym.member, squat, start + timedelta(days=4), e1rm_kg="119", completed=False)
    log_set(gym.stranger, squat, start + timedelta(days=4), e1rm_kg="119")

    result = progress(owner, goal)

    assert result.current == Decimal("112.5")
    assert result.current_on == start + timedelta(days=9)
    assert result.percent == 62


def test_a_workouts_goal_counts_the_workouts_logged_since_the_start(owner, gym):
    start = TODAY() - timedelta(days=7)
    goal = GoalFactory(
        client=gym.member,
        metric=GoalMetric.WORKOUTS,
        start_value=Decimal("0"),
        target_value=Decimal("12"),
        start_date=start,
    )
    for days in (-3, 1, 2, 4):
        WorkoutLog.objects.create(client=gym.member, performed_on=start + timedelta(days=days))
    assert progress(owner, goal).current == 3
    assert progress(owner, goal).percent == 25


def test_milestones_are_reached_once_the_current_value_passes_them(owner, gym):
    goal = GoalFactory(client=gym.member)
    for value in ("87.5", "85", "82.5"):
        GoalMilestone.objects.create(goal=goal, value=Decimal(value))
    MeasurementFactory(client=gym.member, weight_kg=Decimal("85"))

    goal = selectors.goal_get(user=owner, goal_id=goal.pk)

    assert [(m.value, m.reached) for m in goal.milestones.all()] == [
        (Decimal("82.50"), False),
        (Decimal("85.00"), True),
        (Decimal("87.50"), True),
    ]


def test_the_check_marks_a_reached_goal_achieved_on_the_date_and_stamps_milestones(gym):
    goal = GoalFactory(client=gym.member, start_date=TODAY() - timedelta(days=30))
    milestone = GoalMilestone.objects.create(goal=goal, value=Decimal("85"))
    day = TODAY() - timedelta(days=2)
    MeasurementFactory(client=gym.member, weight_kg=Decimal("79.5"), measured_on=day)

    goals_check(client=gym.member)

    goal.refresh_from_db()
    milestone.refresh_from_db()
    assert (goal.status, goal.achieved_on) == (GoalStatus.ACHIEVED, day)
    assert milestone.reached_on == day


def test_the_check_marks_a_goal_missed_after_its_target_date(gym):
    goal = GoalFactory(
        client=gym.member,
        start_date=TODAY() - timedelta(days=60),
        target_date=TODAY() - timedelta(days=1),
    )
    MeasurementFactory(client=gym.member, weight_kg=Decimal("86"))
    goals_check()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.MISSED


@pytest.mark.parametrize("count", [1, 6])
def test_listing_goals_takes_the_same_queries_however_many_there_are(
    owner, gym, count, django_assert_num_queries
):
    squat = ExerciseFactory()
    for n in range(count):
        GoalFactory(client=gym.member)
        goal = GoalFactory(
            client=gym.member,
            metric=GoalMetric.E1RM,
            exercise=squat,
            start_value=Decimal("100"),
            target_value=Decimal("110"),
        )
        GoalMilestone.objects.create(goal=goal, value=Decimal("105"))
        log_set(gym.member, squat, TODAY(), e1rm_kg=str(100 + n))
        MeasurementFactory(client=gym.member)
    with django_assert_num_queries(2):
        goals = selectors.attach_progress(list(selectors.goal_list(user=owner)))
    assert len(goals) == 2 * count


def test_the_daily_task_checks_every_clients_active_goals(gym):
    from fitnesscrm.progress.tasks import goals_check_daily

    squat = ExerciseFactory()
    goal = GoalFactory(
        client=gym.stranger,
        metric=GoalMetric.E1RM,
        exercise=squat,
        start_value=Decimal("100"),
        target_value=Decimal("110"),
    )
    log_set(gym.stranger, squat, TODAY(), e1rm_kg="111")

    assert goals_check_daily.call() == 1

    goal.refresh_from_db()
    assert (goal.status, goal.achieved_on) == (GoalStatus.ACHIEVED, TODAY())
