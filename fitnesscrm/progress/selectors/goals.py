"""Goals with their progress, computed from measurements and workout logs, never typed.

The current value of a goal is
- for a body measure: the value of the newest measurement of it taken on or after the
  goal's start date;
- for an estimated 1RM: the best estimated 1RM logged for the exercise since the start;
- for workouts: how many workouts the client logged since the start.

Progress is (current - start) / (target - start): a weight-loss goal from 90 kg to
80 kg is 50 % done at 85 kg, and an increasing goal works the same way. It is shown
clamped to 0-100 %; a milestone is reached once the current value has passed it.

Every goal's current value comes from subqueries of the one query that lists the goals,
so a page of goals costs the same number of queries however many it holds.
Goals' status (achieved on a date, missed after the target date) is written by
progress.services.goals.goals_check, which the measurement services call on each change
and the periodic job `progress.check_goals` calls for every active goal.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Max,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.progress.models import Goal, GoalMetric, GoalMilestone, GoalStatus, Measurement
from fitnesscrm.training.access import coached_clients
from fitnesscrm.training.models import LoggedSet, WorkoutLog

BODY_METRICS = tuple(
    metric for metric in GoalMetric.values if metric not in (GoalMetric.E1RM, GoalMetric.WORKOUTS)
)
NUMBER = DecimalField(max_digits=12, decimal_places=2)


def _measured(metric: str, *, start=None):
    start = start if start is not None else OuterRef("start_date")
    return Measurement.objects.filter(
        client=OuterRef("client_id"), measured_on__gte=start, **{f"{metric}__isnull": False}
    ).order_by("-measured_on", "-id")


def _best_set():
    return LoggedSet.objects.filter(
        log__client=OuterRef("client_id"),
        exercise=OuterRef("exercise_id"),
        log__performed_on__gte=OuterRef("start_date"),
        e1rm_kg__isnull=False,
        completed=True,
    ).order_by("-e1rm_kg", "log__performed_on", "id")


def _workouts():
    return WorkoutLog.objects.filter(
        client=OuterRef("client_id"), performed_on__gte=OuterRef("start_date")
    ).order_by()


def with_progress(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    """Goals annotated with `current_value` and `current_on` (the date it was reached)."""
    value_cases = [
        When(metric=metric, then=Cast(Subquery(_measured(metric).values(metric)[:1]), NUMBER))
        for metric in BODY_METRICS
    ]
    date_cases = [
        When(metric=metric, then=Subquery(_measured(metric).values("measured_on")[:1]))
        for metric in BODY_METRICS
    ]
    workouts_count = _workouts().values("client").annotate(n=Count("id")).values("n")
    value_cases += [
        When(
            metric=GoalMetric.E1RM, then=Cast(Subquery(_best_set().values("e1rm_kg")[:1]), NUMBER)
        ),
        When(
            metric=GoalMetric.WORKOUTS,
            then=Cast(Coalesce(Subquery(workouts_count), Value(0)), NUMBER),
        ),
    ]
    date_cases += [
        When(metric=GoalMetric.E1RM, then=Subquery(_best_set().values("log__performed_on")[:1])),
        When(
            metric=GoalMetric.WORKOUTS,
            then=Subquery(
                _workouts().values("client").annotate(last=Max("performed_on")).values("last")
            ),
        ),
    ]
    return goals.annotate(
        current_value=Case(*value_cases, default=Value(None), output_field=NUMBER),
        current_on=Case(*date_cases, default=Value(None), output_field=DateField()),
    )


@dataclass(frozen=True)
class Progress:
    current: Decimal | None
    current_on: date | None
    fraction: Decimal | None  # unclamped: above 1 past the target, below 0 going backwards

    @property
    def percent(self) -> int:
        """For display: 0 to 100."""
        if self.fraction is None:
            return 0
        return int(max(Decimal(0), min(Decimal(1), self.fraction)) * 100)

    @property
    def reached(self) -> bool:
        return self.fraction is not None and self.fraction >= 1


def progress_of(goal: Goal, current: Decimal | None, current_on: date | None = None) -> Progress:
    if current is None:
        return Progress(None, None, None)
    current = Decimal(current)
    span = goal.target_value - goal.start_value
    fraction = (current - goal.start_value) / span if span else None
    return Progress(current, current_on, fraction)


def passed(goal: Goal, value: Decimal, current: Decimal | None) -> bool:
    """Whether `current` has reached `value` in the goal's direction."""
    if current is None:
        return False
    return current <= value if goal.is_decreasing else current >= value


def attach_progress(goals: list[Goal]) -> list[Goal]:
    """Set `goal.progress` and each milestone's `reached` from the annotated current value."""
    for goal in goals:
        goal.progress = progress_of(goal, goal.current_value, goal.current_on)
        for milestone in goal.milestones.all():
            milestone.reached = milestone.reached_on is not None or passed(
                goal, milestone.value, goal.current_value
            )
    return goals


def visible_goals(user) -> QuerySet[Goal]:
    return Goal.objects.filter(client__in=coached_clients(user))


def _listed(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return with_progress(
        goals.select_related("client", "exercise", "created_by").prefetch_related(
            Prefetch("milestones", queryset=GoalMilestone.objects.order_by("value"))
        )
    )


def goal_list(*, user, client_id: int | None = None, status: str | None = None) -> QuerySet[Goal]:
    """Goals `user` may see, with `current_value`; active ones first, by target date."""
    goals = visible_goals(user)
    if client_id is not None:
        goals = goals.filter(client_id=client_id)
    if status:
        goals = goals.filter(status=status)
    return _listed(goals).order_by(
        Case(When(status=GoalStatus.ACTIVE, then=Value(0)), default=Value(1)),
        "target_date",
        "id",
    )


def goal_get(*, user, goal_id) -> Goal:
    """One goal `user` may see, with its progress attached, or NotFound."""
    try:
        goal = _listed(visible_goals(user)).get(pk=goal_id)
    except (Goal.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such goal.") from exc
    return attach_progress([goal])[0]


def can_change_goal(user, goal: Goal) -> bool:
    """Coaching staff change any goal they may see; a client the personal goals they set."""
    if role_of(user) == Role.CLIENT:
        return goal.created_by_id == user.pk
    return True


def current_value(client, metric: str, exercise=None) -> Decimal | None:
    """The client's value of a measure now: the newest measurement, or the best e1RM ever.

    What a new goal starts from when no start value is given (0 workouts done).
    """
    if metric == GoalMetric.WORKOUTS:
        return Decimal(0)
    if metric == GoalMetric.E1RM:
        if exercise is None:
            return None
        best = (
            LoggedSet.objects.filter(
                log__client=client, exercise=exercise, e1rm_kg__isnull=False, completed=True
            )
            .aggregate(best=Max("e1rm_kg"))
            .get("best")
        )
        return Decimal(best) if best is not None else None
    value = (
        Measurement.objects.filter(client=client, **{f"{metric}__isnull": False})
        .order_by("-measured_on", "-id")
        .values_list(metric, flat=True)
        .first()
    )
    return Decimal(value) if value is not None else None
