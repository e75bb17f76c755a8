"""The goal form: the measure, start and target in the business's units, milestones."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.progress.models import GoalMetric
from fitnesscrm.progress.units import UnitError, Units, form_value, to_metric, unit_of

MILESTONES_HELP = "Optional steps on the way, separated by commas, e.g. 87.5, 85, 82.5."


def metric_field(metric: str) -> str | None:
    """The measurement field whose units a goal's values are typed in (None for workouts)."""
    if metric == GoalMetric.WORKOUTS:
        return None
    if metric == GoalMetric.E1RM:
        return "weight_kg"
    return metric


def metric_unit(metric: str, units: Units) -> str:
    field = metric_field(metric)
    return "workouts" if field is None else unit_of(field, units.system)


def to_stored(metric: str, typed, units: Units):
    """A value typed in the business's units, in the metric's stored unit."""
    field = metric_field(metric)
    if field is None:
        text = str(typed).strip() if typed is not None else ""
        if not text:
            return None
        try:
            return Decimal(text)
        except ArithmeticError as exc:
            raise UnitError("Enter a number.") from exc
    value = to_metric(field, typed, units.system)
    return value


def shown(metric: str, value, units: Units):
    field = metric_field(metric)
    if field is None or value is None:
        return None if value is None else int(value)
    if metric == GoalMetric.E1RM:
        return form_value("weight_kg", value, units.system)
    return form_value(field, value, units.system)


class GoalForm(StyledFormMixin, forms.Form):
    title = forms.CharField(
        label="Goal",
        max_length=120,
        error_messages={"required": "Give the goal a title, e.g. “Lose 10 kg by summer”."},
    )
    metric = forms.ChoiceField(label="Measure", choices=GoalMetric.choices)
    exercise = forms.TypedChoiceField(
        label="Exercise (for an estimated 1RM)", required=False, coerce=int, empty_value=None
    )
    start_value = forms.CharField(
        label="Start value",
        required=False,
        max_length=20,
        help_text="Leave empty to start from the latest value on record.",
    )
    target_value = forms.CharField(
        label="Target value",
        max_length=20,
        error_messages={"required": "Enter the target value."},
    )
    start_date = forms.DateField(
        label="Start date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    target_date = forms.DateField(
        label="Target date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the target date."},
    )
    milestones = forms.CharField(
        label="Milestones", required=False, max_length=300, help_text=MILESTONES_HELP
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units: Units, exercises=(), goal=None, **kwargs):
        self.units = units
        self.goal = goal
        if goal is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": goal.title,
                    "metric": goal.metric,
                    "exercise": goal.exercise_id,
                    "start_value": shown(goal.metric, goal.start_value, units),
                    "target_value": shown(goal.metric, goal.target_value, units),
                    "start_date": goal.start_date,
                    "target_date": goal.target_date,
                    "milestones": ", ".join(
                        str(shown(goal.metric, m.value, units)) for m in goal.milestones.all()
                    ),
                    "notes": goal.notes,
                },
            )
        else:
            today = timezone.localdate()
            kwargs.setdefault(
                "initial", {"start_date": today, "target_date": today + timedelta(weeks=12)}
            )
        super().__init__(*args, **kwargs)
        self.fields["exercise"].choices = [("", "Not a lift")] + [
            (exercise.pk, exercise.name) for exercise in exercises
        ]
        weight, length = units.weight, units.length
        self.fields[
            "metric"
        ].help_text = f"Weights are in {weight}, circumferences in {length}, body fat in %."
        if goal is not None:
            # What a goal measures and where it started cannot change: set a new goal instead.
            for name in ("metric", "exercise", "start_value", "start_date"):
                del self.fields[name]

    @property
    def chosen_metric(self) -> str:
        if self.goal is not None:
            return self.goal.metric
        return self.cleaned_data.get("metric") or ""

    def clean(self):
        data = super().clean()
        metric = self.chosen_metric
        if not metric:
            return data
        self.stored = {}
        for name in ("start_value", "target_value"):
            if name not in self.fields:
                continue
            try:
                self.stored[name] = to_stored(metric, data.get(name), self.units)
            except UnitError as exc:
                self.add_error(name, str(exc))
        steps = []
        for part in (data.get("milestones") or "").split(","):
            if not part.strip():
                continue
            try:
                steps.append(to_stored(metric, part, self.units))
            except UnitError:
                self.add_error("milestones", f"“{part.strip()}” is not a number.")
                break
        self.stored["milestones"] = steps
        return data
