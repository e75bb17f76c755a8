"""Goals: set, change, abandon; and goals_check, which marks them achieved or missed.

Values are in the metric's stored unit (kg, cm, %, bpm, a count of workouts); the forms
convert what was typed in imperial first. Staff who coach a client set their goals;
a client may set personal goals for themselves and change or abandon those (not the
ones their trainer set). A goal on a body measure is health data: it needs the client's
consent, like a measurement; goals on lifts and workouts do not.

Status is never typed either: goals_check marks an active goal achieved (with the date
its current value reached the target) or missed (once its target date has passed), and
stamps the date each milestone is first reached. It runs after every change of a
measurement or a goal, and daily for every active goal (`check_all_goals`), which also
picks up lifts and workouts logged since.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.consent import health_consent_require
from fitnesscrm.clients.models import Client
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.progress.models import Goal, GoalMetric, GoalMilestone, GoalStatus
from fitnesscrm.progress.selectors.goals import (
    BODY_METRICS,
    attach_progress,
    can_change_goal,
    current_value,
    goal_get,
    passed,
    with_progress,
)
from fitnesscrm.progress.selectors.measurements import progress_client_get
from fitnesscrm.progress.services.measurements import invalid
from fitnesscrm.progress.units import TENTH, in_range, range_message, round_to
from fitnesscrm.training.models import Exercise

MAX_MILESTONES = 10
E1RM_MAX = Decimal("1000")
WORKOUTS_MAX = Decimal("10000")
EDITABLE = ("title", "target_value", "target_date", "notes", "milestones")


def _value(metric: str, raw, field: str, errors: dict) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        errors[field] = "Enter a number."
        return None
    if not value.is_finite():
        errors[field] = "Enter a number."
        return None
    if metric == GoalMetric.WORKOUTS:
        if value != value.to_integral_value() or not 0 <= value <= WORKOUTS_MAX:
            errors[field] = f"Enter a whole number of workouts, from 0 to {WORKOUTS_MAX:,}."
            return None
        return value
    if metric == GoalMetric.E1RM:
        if not 0 < value <= E1RM_MAX:
            errors[field] = f"An estimated 1RM must be above 0 and at most {E1RM_MAX:,} kg."
            return None
        return round_to(value, Decimal("0.01"))
    if abs(value) < Decimal("1e6"):
        value = round_to(value, TENTH)
    if not in_range(metric, value):
        errors[field] = range_message(metric)
        return None
    return value


def _milestones(metric: str, raw: list, errors: dict) -> list[tuple[str, Decimal]]:
    found: list[tuple[str, Decimal]] = []
    for item in raw or ():
        label, value = item if isinstance(item, tuple | list) else ("", item)
        label = (label or "").strip()
        if len(label) > 80:
            errors["milestones"] = "A milestone's label is at most 80 characters."
            return []
        checked = _value(metric, value, "milestones", errors)
        if checked is None:
            errors.setdefault("milestones", "Enter each milestone as a number.")
            return []
        found.append((label, checked))
    if len(found) > MAX_MILESTONES:
        errors["milestones"] = f"At most {MAX_MILESTONES} milestones."
    if len({value for _label, value in found}) != len(found):
        errors["milestones"] = "Each milestone must have a different value."
    return found


def _check_goal(
    *,
    metric: str,
    title: str,
    start_value: Decimal | None,
    target_value: Decimal | None,
    start_date: date,
    target_date: date | None,
    milestones: list[tuple[str, Decimal]],
    notes: str,
    errors: dict,
    new: bool,
) -> None:
    if not title:
        errors["title"] = "Give the goal a title, e.g. “Lose 10 kg by summer”."
    elif len(title) > 120:
        errors["title"] = f"At most 120 characters (this has {len(title)})."
    if len(notes) > 2000:
        errors["notes"] = f"At most 2000 characters (this has {len(notes)})."
    if target_value is None and "target_value" not in errors:
        errors["target_value"] = "Enter the target value."
    if target_date is None:
        errors["target_date"] = "Enter the target date."
    elif target_date <= start_date:
        errors["target_date"] = "The target date must be after the start date."
    elif new and target_date < timezone.localdate():
        errors["target_date"] = "The target date has already passed."
    if start_value is not None and target_value is not None and start_value == target_value:
        errors["target_value"] = (
            f"The target must differ from the start value ({start_value}): "
            "a goal has to move the measure one way or the other."
        )
    if errors or start_value is None or target_value is None:
        return
    low, high = sorted((start_value, target_value))
    outside = [value for _label, value in milestones if not low < value < high]
    if outside:
        errors["milestones"] = (
            f"Milestones must lie between the start ({start_value}) and the target "
            f"({target_value}); {outside[0]} does not."
        )


def _set_milestones(goal: Goal, milestones: list[tuple[str, Decimal]]) -> None:
    kept = {m.value: m for m in goal.milestones.all()}
    wanted = {value for _label, value in milestones}
    goal.milestones.exclude(value__in=wanted).delete()
    for label, value in milestones:
        if value in kept:
            if kept[value].label != label:
                kept[value].label = label
                kept[value].save(update_fields=["label"])
        else:
            GoalMilestone.objects.create(goal=goal, label=label, value=value)


def _exercise(exercise_id) -> Exercise | None:
    if exercise_id in (None, ""):
        return None
    exercise = Exercise.objects.filter(pk=exercise_id, archived_at__isnull=True).first()
    if exercise is None:
        raise NotFound(
            "No such exercise.",
            errors=[{"field": "exercise", "message": "No such exercise."}],
        )
    return exercise


@transaction.atomic
def goal_create(
    *,
    actor,
    client: Client,
    title: str,
    metric: str,
    target_value,
    target_date: date | None,
    start_value=None,
    start_date: date | None = None,
    exercise: Exercise | int | None = None,
    notes: str = "",
    milestones: list = (),
) -> Goal:
    """Set a goal; the start value defaults to the client's current value of the measure."""
    client = progress_client_get(user=actor, client_id=client.pk)
    errors: dict[str, str] = {}
    if metric not in GoalMetric.values:
        raise invalid({"metric": f"Choose one of: {', '.join(GoalMetric.values)}."})
    if metric in BODY_METRICS:
        health_consent_require(client)
    if isinstance(exercise, int | str):
        exercise = _exercise(exercise)
    if metric == GoalMetric.E1RM and exercise is None:
        errors["exercise"] = "Choose the exercise whose estimated 1RM this goal is for."
    if metric != GoalMetric.E1RM:
        exercise = None
    start_date = start_date or timezone.localdate()
    start = _value(metric, start_value, "start_value", errors)
    target = _value(metric, target_value, "target_value", errors)
    if start is None and "start_value" not in errors and "exercise" not in errors:
        known = current_value(client, metric, exercise)
        if known is None:
            errors["start_value"] = "There is no value on record to start from: enter one."
        else:
            start = known
    steps = _milestones(metric, milestones, errors)
    title, notes = (title or "").strip(), (notes or "").strip()
    _check_goal(
        metric=metric,
        title=title,
        start_value=start,
        target_value=target,
        start_date=start_date,
        target_date=target_date,
        milestones=steps,
        notes=notes,
        errors=errors,
        new=True,
    )
    if errors:
        raise invalid(errors)
    goal = Goal.objects.create(
        client=client,
        title=title,
        metric=metric,
        exercise=exercise,
        start_value=start,
        target_value=target,
        start_date=start_date,
        target_date=target_date,
        notes=notes,
        created_by=actor,
    )
    _set_milestones(goal, steps)
    audit_record(
        actor=actor,
        action="goal.create",
        target=goal,
        changes={
            "client": client.pk,
            "metric": metric,
            "target_date": str(target_date),
            "milestones": len(steps),
        },
    )
    goals_check(client=client)
    return goal


def _changeable(actor, goal: Goal) -> Goal:
    goal = goal_get(user=actor, goal_id=goal.pk)
    if not can_change_goal(actor, goal):
        raise NotFound("No such goal.")
    return goal


@transaction.atomic
def goal_update(*, actor, goal: Goal, **fields) -> Goal:
    """Change the title, target value or date, notes or milestones of a goal."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ApplicationError(f"Unknown goal field {sorted(unknown)[0]!r}.", code="unknown_field")
    goal = _changeable(actor, goal)
    if goal.metric in BODY_METRICS:
        health_consent_require(goal.client)
    errors: dict[str, str] = {}
    target = goal.target_value
    if "target_value" in fields:
        target = _value(goal.metric, fields["target_value"], "target_value", errors)
    steps = None
    if "milestones" in fields:
        steps = _milestones(goal.metric, fields["milestones"], errors)
    title = (fields.get("title", goal.title) or "").strip()
    notes = (fields.get("notes", goal.notes) or "").strip()
    target_date = fields.get("target_date", goal.target_date)
    current_steps = [(m.label, m.value) for m in goal.milestones.all()]
    _check_goal(
        metric=goal.metric,
        title=title,
        start_value=goal.start_value,
        target_value=target,
        start_date=goal.start_date,
        target_date=target_date,
        milestones=steps if steps is not None else current_steps,
        notes=notes,
        errors=errors,
        new=False,
    )
    if errors:
        raise invalid(errors)
    changes = {}
    for name, new in (("title", title), ("target_date", target_date), ("notes", notes)):
        if getattr(goal, name) != new:
            changes[name] = [str(getattr(goal, name)), str(new)] if name != "notes" else "changed"
            setattr(goal, name, new)
    if target != goal.target_value:
        changes["target_value"] = "changed"
        goal.target_value = target
    if steps is not None and sorted(steps) != sorted(current_steps):
        changes["milestones"] = len(steps)
    goal.save()
    if steps is not None:
        _set_milestones(goal, steps)
    if changes:
        audit_record(actor=actor, action="goal.update", target=goal, changes=changes)
    goals_check(client=goal.client)
    return goal_get(user=actor, goal_id=goal.pk)


@transaction.atomic
def goal_abandon(*, actor, goal: Goal) -> Goal:
    """Stop working towards a goal; it stays in the client's history."""
    goal = _changeable(actor, goal)
    if goal.status != GoalStatus.ACTIVE:
        raise ApplicationError(
            f"This goal is already {goal.get_status_display().lower()}.", code="not_active"
        )
    goal.status = GoalStatus.ABANDONED
    goal.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="goal.abandon",
        target=goal,
        changes={"status": [GoalStatus.ACTIVE, GoalStatus.ABANDONED]},
    )
    return goal


@transaction.atomic
def goal_delete(*, actor, goal: Goal) -> None:
    goal = _changeable(actor, goal)
    audit_record(actor=actor, action="goal.delete", target=goal, changes={"client": goal.client_id})
    goal.delete()


def goals_check(*, client: Client | None = None, today: date | None = None) -> int:
    """Mark active goals achieved or missed, and stamp milestones reached; returns changes.

    For one client (after a measurement or goal changed) or, with client=None, for every
    active goal (the daily job). A goal whose current value reached its target is
    achieved on the date of that value; one past its target date without reaching it is
    missed. No audit entry: this is the system reading the data, not anyone's decision.
    """
    today = today or timezone.localdate()
    goals = Goal.objects.filter(status=GoalStatus.ACTIVE)
    if client is not None:
        goals = goals.filter(client=client)
    changed = 0
    for goal in attach_progress(list(with_progress(goals).prefetch_related("milestones"))):
        for milestone in goal.milestones.all():
            if milestone.reached_on is None and passed(goal, milestone.value, goal.current_value):
                milestone.reached_on = goal.current_on or today
                milestone.save(update_fields=["reached_on"])
                changed += 1
        if goal.progress.reached:
            goal.status = GoalStatus.ACHIEVED
            goal.achieved_on = goal.current_on or today
        elif goal.target_date < today:
            goal.status = GoalStatus.MISSED
        else:
            continue
        goal.save(update_fields=["status", "achieved_on", "updated_at"])
        changed += 1
    return changed


def check_all_goals() -> int:
    """The daily job: every active goal, including progress from workouts logged since."""
    return goals_check(client=None)
