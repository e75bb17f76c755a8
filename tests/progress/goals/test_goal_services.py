"""Setting goals: target differs from start, dates in order, milestones in between."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.progress.models import Goal, GoalMetric, GoalStatus
from fitnesscrm.progress.services import goals as services
from tests.factories import ExerciseFactory, GoalFactory, MeasurementFactory, give_health_consent
from tests.progress.measurements.helpers import log_set

LATER = timezone.localdate() + timedelta(weeks=10)


@pytest.fixture
def member(gym):
    give_health_consent(gym.member)
    return gym.member


def create(actor, client, **fields):
    values = {
        "title": "Lose 10 kg",
        "metric": GoalMetric.WEIGHT,
        "start_value": Decimal("90"),
        "target_value": Decimal("80"),
        "target_date": LATER,
        **fields,
    }
    return services.goal_create(actor=actor, client=client, **values)


def refused(actor, client, **fields) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc_info:
        create(actor, client, **fields)
    assert not Goal.objects.exists()
    return exc_info.value


def test_a_trainer_sets_a_goal_with_milestones(trainer, member):
    goal = create(trainer, member, milestones=[("Halfway", Decimal("85")), Decimal("87.5")])
    assert goal.created_by == trainer
    assert sorted(m.value for m in goal.milestones.all()) == [Decimal("85"), Decimal("87.5")]
    entry = AuditEntry.objects.get(action="goal.create")
    assert entry.changes["metric"] == "weight_kg"
    assert "90" not in str(entry.changes)


def test_a_goal_whose_target_equals_its_start_is_refused_with_a_clear_message(owner, member):
    error = refused(owner, member, target_value=Decimal("90"))
    assert error.errors[0]["field"] == "target_value"
    assert "The target must differ from the start value" in error.errors[0]["message"]


def test_the_target_date_must_follow_the_start_date(owner, member):
    error = refused(owner, member, start_date=LATER, target_date=LATER)
    assert error.errors[0] == {
        "field": "target_date",
        "message": "The target date must be after the start date.",
    }


def test_an_e1rm_goal_needs_an_exercise(owner, member):
    error = refused(owner, member, metric=GoalMetric.E1RM, start_value=100, target_value=120)
    assert error.errors[0]["field"] == "exercise"


def test_milestones_must_lie_between_start_and_target(owner, member):
    error = refused(owner, member, milestones=[Decimal("92")])
    assert error.errors[0]["field"] == "milestones"
    assert "between the start" in error.errors[0]["message"]


def test_a_goal_with_an_impossible_target_is_refused(owner, member):
    error = refused(owner, member, target_value=Decimal("0"))
    assert error.errors[0]["message"] == "Weight must be between 20 and 400 kg (44\u2013882 lb)."


def test_the_start_value_defaults_to_the_latest_measurement(owner, member):
    MeasurementFactory(client=member, weight_kg=Decimal("92.4"))
    goal = create(owner, member, start_value=None)
    assert goal.start_value == Decimal("92.4")


def test_without_a_value_on_record_the_start_value_must_be_given(owner, member):
    error = refused(owner, member, start_value=None)
    assert error.errors[0]["field"] == "start_value"


def test_an_e1rm_goal_starts_from_the_best_lift_logged(owner, member):
    squat = ExerciseFactory()
    log_set(member, squat, timezone.localdate() - timedelta(days=3), e1rm_kg="101.5")
    goal = create(
        owner, member, metric=GoalMetric.E1RM, exercise=squat, start_value=None, target_value=120
    )
    assert goal.start_value == Decimal("101.5")


def test_a_goal_on_a_body_measure_needs_consent_but_a_lift_goal_does_not(owner, gym):
    error = refused(owner, gym.member)
    assert error.code == "consent_required"
    goal = create(
        owner,
        gym.member,
        metric=GoalMetric.E1RM,
        exercise=ExerciseFactory(),
        start_value=100,
        target_value=120,
    )
    assert goal.pk


def test_a_client_sets_a_personal_goal_and_cannot_change_their_trainers(
    client_user, trainer, member
):
    own = create(client_user, member, title="My goal")
    coach = create(trainer, member, title="Coach's goal")

    services.goal_update(actor=client_user, goal=own, title="My better goal")
    with pytest.raises(NotFound):
        services.goal_update(actor=client_user, goal=coach, title="Easier")
    with pytest.raises(NotFound):
        services.goal_abandon(actor=client_user, goal=coach)
    assert Goal.objects.get(pk=coach.pk).title == "Coach's goal"


@pytest.mark.parametrize("who", ["front_desk", "other_trainer", "outsider"])
def test_nobody_else_sets_or_changes_the_clients_goals(who, request, member):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotFound):
        create(actor, member)
    goal = GoalFactory(client=member)
    with pytest.raises(NotFound):
        services.goal_update(actor=actor, goal=goal, title="Hacked")


def test_an_update_checks_the_same_rules_and_keeps_reached_milestones(owner, member):
    goal = create(owner, member, milestones=[Decimal("85")])
    with pytest.raises(ApplicationError):
        services.goal_update(actor=owner, goal=goal, target_value=Decimal("90"))
    services.goal_update(
        actor=owner,
        goal=goal,
        target_value=Decimal("78"),
        milestones=[Decimal("85"), Decimal("80")],
    )
    goal.refresh_from_db()
    assert goal.target_value == Decimal("78")
    assert goal.milestones.count() == 2


def test_an_abandoned_goal_stays_but_cannot_be_abandoned_twice(owner, member):
    goal = create(owner, member)
    services.goal_abandon(actor=owner, goal=goal)
    with pytest.raises(ApplicationError):
        services.goal_abandon(actor=owner, goal=goal)
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ABANDONED


def test_recording_a_measurement_that_reaches_the_target_achieves_the_goal(owner, member):
    from fitnesscrm.progress.services.measurements import measurement_record

    goal = create(owner, member)
    measurement_record(actor=owner, client=member, values={"weight_kg": Decimal("79.8")})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert goal.achieved_on == timezone.localdate()
