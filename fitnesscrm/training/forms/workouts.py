"""The workout logging form: the workout's details and one row per set.

Rows are plain forms with the prefix `set-<n>`; each carries a hidden `row` marker
so the view finds every row posted, however many were added (by htmx, or the fixed
blank extra rows shown without JavaScript). A planned row answers a planned set
(`program_set`); an extra row names its exercise. A blank extra row is skipped.
"""

import re
from dataclasses import dataclass, field

from django import forms

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.pages import apply_errors
from fitnesscrm.training.models import Exercise
from fitnesscrm.training.services.workouts import MAX_SETS, SetSpec

BLANK_EXTRA_ROWS = 2
ROW_KEY = re.compile(r"^set-(\d{1,4})-row$")
UNITS = [("kg", "kg"), ("lb", "lb")]


def _numeric(**attrs):
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", **attrs})


def _decimal(**attrs):
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


class WorkoutForm(StyledFormMixin, forms.Form):
    """The workout as a whole; the numbers' limits are the service's (one message for all)."""

    performed_on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    duration_minutes = forms.IntegerField(label="Duration (min)", required=False, widget=_numeric())
    session_rpe = forms.DecimalField(label="Session RPE (1-10)", required=False, widget=_decimal())
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SetRowForm(StyledFormMixin, forms.Form):
    row = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)
    program_set = forms.IntegerField(widget=forms.HiddenInput, required=False)
    exercise = forms.TypedChoiceField(
        label="Exercise", required=False, coerce=int, empty_value=None
    )
    completed = forms.BooleanField(label="Done", required=False, initial=True)
    reps = forms.IntegerField(label="Reps", required=False, widget=_numeric())
    load = forms.DecimalField(label="Load", required=False, widget=_decimal())
    load_unit = forms.ChoiceField(
        label="Unit",
        choices=UNITS,
        initial="kg",
        widget=forms.Select(attrs={"class": "w-auto flex-grow-0 ps-2 pe-4"}),
    )
    rpe = forms.DecimalField(label="RPE", required=False, widget=_decimal())
    duration = forms.IntegerField(label="Time (s)", required=False, widget=_numeric())
    distance = forms.IntegerField(label="Distance (m)", required=False, widget=_numeric())
    notes = forms.CharField(label="Set notes", required=False, max_length=500)

    def __init__(self, *args, exercise_choices=(), planned=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.planned = planned  # a selectors.workouts.PlannedSet for a planned row
        self.fields["exercise"].choices = [("", "Choose an exercise…"), *exercise_choices]
        if planned is not None:
            self.fields["exercise"].widget = forms.HiddenInput()

    @property
    def index(self) -> int:
        return int(self.prefix.split("-")[1])

    @property
    def is_planned(self) -> bool:
        return self.planned is not None

    def is_blank(self) -> bool:
        """An extra row nothing was entered in."""
        if self.is_planned:
            return False
        data = self.cleaned_data
        values = ("exercise", "reps", "load", "rpe", "duration", "distance", "notes")
        return not any(data.get(name) not in (None, "") for name in values)


def exercise_choices(first=()) -> list:
    """The exercises an extra set may be of: the day's first, then every live exercise."""
    every = [
        (pk, name)
        for pk, name in Exercise.objects.filter(archived_at__isnull=True)
        .order_by("name")
        .values_list("pk", "name")
    ]
    first = list(first)
    if not first:
        return every
    return [("This workout", first), ("All exercises", every)]


def extra_row(index: int, choices, data=None) -> SetRowForm:
    return SetRowForm(data, prefix=f"set-{index}", exercise_choices=choices)


@dataclass
class WorkoutEntry:
    """The whole logging form: the workout, its planned rows by exercise, the extra rows."""

    workout: WorkoutForm
    groups: list = field(default_factory=list)  # [(PlannedExercise, [SetRowForm])]
    extra: list = field(default_factory=list)
    next_index: int = 0
    choices: list = field(default_factory=list)
    rows_in_order: list = field(default_factory=list)

    @classmethod
    def blank(cls, *, day_plan=None, initial=None, choices=None, sets=None) -> "WorkoutEntry":
        """For a new workout (rows prefilled from the plan), or an edit (`sets`: LoggedSets)."""
        choices = choices if choices is not None else exercise_choices(_day_exercises(day_plan))
        entry = cls(WorkoutForm(initial=initial or {}), choices=choices)
        index = 0
        planned_by_id = _planned_by_id(day_plan)
        logged = {s.program_set_id: s for s in sets or [] if s.program_set_id}
        for planned_exercise in day_plan.exercises if day_plan else []:
            rows = []
            for planned in planned_exercise.sets:
                if sets is not None and planned.program_set.pk not in logged:
                    continue
                done = logged.get(planned.program_set.pk)
                rows.append(
                    SetRowForm(
                        prefix=f"set-{index}",
                        planned=planned,
                        initial=_initial_from_log(done) if done else _initial_from_plan(planned),
                    )
                )
                index += 1
            if rows:
                entry.groups.append((planned_exercise, rows))
        for done in sets or []:
            if done.program_set_id and done.program_set_id in planned_by_id:
                continue
            row = SetRowForm(
                prefix=f"set-{index}", exercise_choices=choices, initial=_initial_from_log(done)
            )
            entry.extra.append(row)
            index += 1
        for _ in range(BLANK_EXTRA_ROWS):
            entry.extra.append(extra_row(index, choices))
            index += 1
        entry.next_index = index
        return entry

    @classmethod
    def bound(cls, data, *, day_plan=None, choices=None) -> "WorkoutEntry":
        choices = choices if choices is not None else exercise_choices(_day_exercises(day_plan))
        entry = cls(WorkoutForm(data), choices=choices)
        planned_by_id = _planned_by_id(day_plan)
        indices = sorted({int(m.group(1)) for key in data if (m := ROW_KEY.match(key))})
        groups: dict[int, list] = {}
        for index in indices[: MAX_SETS + BLANK_EXTRA_ROWS + 1]:
            raw = data.get(f"set-{index}-program_set", "")
            planned = planned_by_id.get(int(raw)) if raw.isdigit() else None
            if planned is not None:
                row = SetRowForm(data, prefix=f"set-{index}", planned=planned)
                groups.setdefault(planned.program_set.program_exercise_id, []).append(row)
            else:
                row = extra_row(index, choices, data)
                entry.extra.append(row)
            entry.rows_in_order.append(row)
        for planned_exercise in day_plan.exercises if day_plan else []:
            rows = groups.get(planned_exercise.program_exercise.pk)
            if rows:
                entry.groups.append((planned_exercise, rows))
        entry.next_index = (indices[-1] + 1) if indices else 0
        return entry

    def is_valid(self) -> bool:
        valid = self.workout.is_valid()
        for row in self.rows_in_order:
            valid = row.is_valid() and valid
        return valid

    def specs(self) -> list[SetSpec]:
        """The sets to log (after is_valid), remembering which row each came from."""
        self._spec_rows = []
        exercises = Exercise.objects.in_bulk(
            {
                r.cleaned_data["exercise"]
                for r in self.rows_in_order
                if r.cleaned_data.get("exercise")
            }
        )
        specs = []
        for row in self.rows_in_order:
            if row.is_blank():
                continue
            data = row.cleaned_data
            program_set = row.planned.program_set if row.is_planned else None
            specs.append(
                SetSpec(
                    exercise=program_set.program_exercise.exercise
                    if program_set
                    else exercises.get(data.get("exercise")),
                    program_set=program_set,
                    reps=data.get("reps"),
                    load=data.get("load"),
                    load_unit=data.get("load_unit") or "kg",
                    rpe=data.get("rpe"),
                    duration=data.get("duration"),
                    distance=data.get("distance"),
                    completed=data.get("completed", True) if row.is_planned else True,
                    notes=data.get("notes", ""),
                )
            )
            self._spec_rows.append(row)
        return specs

    def show(self, exc: ApplicationError) -> None:
        """A service's refusal at the fields it names (`sets.<i>.<field>` on that row)."""
        workout_errors = []
        for error in exc.errors:
            name = error.get("field") or ""
            match = re.match(r"^sets\.(\d+)\.(\w+)$", name)
            if match and int(match.group(1)) < len(self._spec_rows):
                row = self._spec_rows[int(match.group(1))]
                target = match.group(2) if match.group(2) in row.fields else None
                if target == "exercise" and row.is_planned:
                    target = None
                row.add_error(target, error.get("message") or exc.message)
                if target:
                    widget = row.fields[target].widget
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                    widget.attrs["aria-invalid"] = "true"
            else:
                workout_errors.append(error)
        if workout_errors or not exc.errors:
            apply_errors(self.workout, ApplicationError(exc.message, errors=workout_errors))

    @property
    def has_row_errors(self) -> bool:
        return any(row.errors for row in self.rows_in_order)


def _day_exercises(day_plan) -> list:
    if day_plan is None:
        return []
    return [(p.exercise.pk, p.exercise.name) for p in day_plan.exercises]


def _planned_by_id(day_plan) -> dict:
    if day_plan is None:
        return {}
    return {s.program_set.pk: s for p in day_plan.exercises for s in p.sets}


def _initial_from_plan(planned) -> dict:
    return {
        "program_set": planned.program_set.pk,
        "completed": True,
        "reps": planned.reps,
        "load": _plain(planned.loggable_load),
        "load_unit": planned.loggable_unit,
        "duration": planned.program_set.duration_seconds,
        "distance": planned.program_set.distance_m,
    }


def _initial_from_log(done) -> dict:
    return {
        "program_set": done.program_set_id,
        "exercise": done.exercise_id,
        "completed": done.completed,
        "reps": done.reps,
        "load": _plain(done.load),
        "load_unit": done.load_unit,
        "rpe": _plain(done.rpe),
        "duration": done.duration_seconds,
        "distance": done.distance_m,
        "notes": done.notes,
    }


def _plain(value):
    """A Decimal without trailing zeros (100, 102.5) for a prefilled input."""
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
