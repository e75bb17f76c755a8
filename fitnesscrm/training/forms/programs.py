"""Forms of the program pages: details, library filters, a set, an exercise's options, a day,
and the assignment to a client. Shapes only: the limits and rules are the services'."""

from django import forms
from django.utils import timezone

from fitnesscrm.core.forms import StyledFormMixin
from fitnesscrm.training.models import LoadUnit, Tracking

SUPERSET_CHOICES = [("", "None")] + [(chr(c), chr(c)) for c in range(ord("A"), ord("Z") + 1)]


class ProgramForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Separated by commas, like: strength, beginner.",
    )
    is_template = forms.BooleanField(required=False, label="Template")

    def __init__(self, *args, client_copy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if client_copy:
            del self.fields["is_template"]

    def clean_tags(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class LibraryFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    tag = forms.ChoiceField(required=False, label="Tag")
    templates = forms.BooleanField(required=False, label="Templates only")

    def __init__(self, *args, tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Any tag")] + [(t.name, t.name) for t in tags]
        self.fields["q"].widget.attrs.update(placeholder="Program name", type="search")


def _number(label: str, *, decimal: bool = False, **attrs):
    widget = forms.TextInput(
        attrs={"inputmode": "decimal" if decimal else "numeric", "autocomplete": "off", **attrs}
    )
    if decimal:
        return forms.DecimalField(required=False, label=label, widget=widget)
    return forms.IntegerField(required=False, label=label, widget=widget)


# The fields a set shows for each kind of exercise (the API may set any of them).
SET_FIELDS_BY_TRACKING = {
    Tracking.WEIGHT_REPS: ("reps_min", "reps_max", "load", "load_unit", "rpe", "rir", "tempo",
                           "rest_seconds", "is_warmup"),
    Tracking.REPS: ("reps_min", "reps_max", "rpe", "rir", "tempo", "rest_seconds", "is_warmup"),
    Tracking.TIME: ("duration_seconds", "load", "load_unit", "rpe", "rest_seconds", "is_warmup"),
    Tracking.DISTANCE_TIME: ("distance_m", "duration_seconds", "rpe", "rest_seconds",
                             "is_warmup"),
}  # fmt: skip


class SetForm(StyledFormMixin, forms.Form):
    reps_min = _number("Reps")
    reps_max = _number("to")
    load = _number("Load", decimal=True)
    load_unit = forms.ChoiceField(choices=LoadUnit.choices, required=False, label="Unit")
    rpe = _number("RPE", decimal=True)
    rir = _number("RIR")
    tempo = forms.CharField(required=False, max_length=20, label="Tempo")
    rest_seconds = _number("Rest (s)")
    duration_seconds = _number("Time (s)")
    distance_m = _number("Distance (m)")
    is_warmup = forms.BooleanField(required=False, label="Warm-up")

    def __init__(self, *args, tracking: str = Tracking.WEIGHT_REPS, **kwargs):
        super().__init__(*args, **kwargs)
        shown = SET_FIELDS_BY_TRACKING.get(tracking, SET_FIELDS_BY_TRACKING[Tracking.WEIGHT_REPS])
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        if "tempo" in self.fields:
            self.fields["tempo"].widget.attrs.update(placeholder="3-1-1-0", autocomplete="off")


class ExerciseOptionsForm(StyledFormMixin, forms.Form):
    superset = forms.ChoiceField(choices=SUPERSET_CHOICES, required=False, label="Superset")
    progression_step = forms.DecimalField(
        required=False,
        label="Progression a week",
        help_text="Added to kg or lb loads each week, like 2.5 (not to % of 1RM).",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DayForm(StyledFormMixin, forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Name")
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(StyledFormMixin, forms.Form):
    program = forms.ModelChoiceField(queryset=None, empty_label="Choose a program")
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: the program ends on this day.",
    )

    def __init__(self, *args, programs, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs
