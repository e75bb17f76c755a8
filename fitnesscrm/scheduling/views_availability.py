"""Staff pages of availability: a trainer's weekly working hours and time off.

A trainer sets their own; owners and managers anyone's (the rule is
availability.can_edit_availability, applied by the services too).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.pages import apply_errors
from fitnesscrm.core.permissions import manages_staff, role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling import availability, services
from fitnesscrm.scheduling.models import SchedulingSettings, TimeOff
from fitnesscrm.scheduling.services.availability import WEEKDAYS, Hours
from fitnesscrm.trainers import selectors as trainer_selectors
from fitnesscrm.trainers.models import Trainer

EDITORS = (Role.OWNER, Role.MANAGER, Role.TRAINER)
# Stretches per day on the weekly grid: enough for a split shift.
STRETCHES = 2


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


class WeekForm(StyledFormMixin, forms.Form):
    """The weekly grid: for each day up to two stretches, each a "from" and an "until"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            for n in range(1, STRETCHES + 1):
                for edge, label in (("from", "from"), ("until", "until")):
                    field = forms.TimeField(
                        required=False, label=f"{name} {label}", widget=_time_input()
                    )
                    field.widget.attrs["class"] = "form-control form-control-sm"
                    # The grid shows no label per box: the screen reader's is here.
                    second = ", second stretch" if n > 1 else ""
                    field.widget.attrs["aria-label"] = f"{name} {label}{second}"
                    self.fields[f"d{day}_{edge}_{n}"] = field

    @classmethod
    def initial_from(cls, rows) -> dict:
        initial, seen = {}, {}
        for row in rows:
            n = seen[row.weekday] = seen.get(row.weekday, 0) + 1
            if n <= STRETCHES:
                initial[f"d{row.weekday}_from_{n}"] = row.starts
                initial[f"d{row.weekday}_until_{n}"] = row.ends
        return initial

    def days(self) -> list[dict]:
        """The grid's rows for the template: each day with its stretches' bound fields."""
        return [
            {
                "name": name,
                "stretches": [
                    (self[f"d{day}_from_{n}"], self[f"d{day}_until_{n}"])
                    for n in range(1, STRETCHES + 1)
                ],
            }
            for day, name in enumerate(WEEKDAYS)
        ]

    def clean(self):
        data = super().clean()
        for day, name in enumerate(WEEKDAYS):
            for n in range(1, STRETCHES + 1):
                starts, ends = data.get(f"d{day}_from_{n}"), data.get(f"d{day}_until_{n}")
                if (starts is None) != (ends is None):
                    missing = f"d{day}_until_{n}" if ends is None else f"d{day}_from_{n}"
                    self.add_error(missing, f"{name}: give both a start and an end.")
        return data

    def hours(self) -> list[Hours]:
        data = self.cleaned_data
        found = []
        for day in range(7):
            for n in range(1, STRETCHES + 1):
                starts, ends = data.get(f"d{day}_from_{n}"), data.get(f"d{day}_until_{n}")
                if starts is not None and ends is not None:
                    found.append(Hours(weekday=day, starts=starts, ends=ends))
        return found

    def apply(self, exc: ApplicationError) -> None:
        for error in exc.errors:
            if error.get("field") == "hours" and isinstance(error.get("weekday"), int):
                error["field"] = f"d{error['weekday']}_from_1"
        apply_errors(self, exc)


class TimeOffForm(StyledFormMixin, forms.Form):
    starts_at = forms.DateTimeField(
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label="Until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=200, help_text="Shown to staff only."
    )


def _trainer(request: HttpRequest, trainer_id: int) -> Trainer:
    try:
        trainer = trainer_selectors.trainer_get(user=request.user, trainer_id=trainer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not availability.can_edit_availability(request.user, trainer):
        raise PermissionDenied("Trainers set their own availability; owners and managers anyone's.")
    return trainer


@require_http_methods(["GET"])
@role_required(*EDITORS)
def availability_index(request: HttpRequest) -> HttpResponse:
    """A trainer goes straight to their own hours; owners and managers pick a trainer."""
    if not manages_staff(request.user):
        own = trainer_selectors.trainer_of_user(request.user)
        if own is not None:
            return redirect("availability:trainer", trainer_id=own.pk)
        trainers = []
    else:
        trainers = trainer_selectors.trainer_choices(request.user)
    return render(
        request,
        "scheduling/availability/index.html",
        {"trainers": trainers, "can_pick": manages_staff(request.user)},
    )


def _render(request, trainer, *, week_form=None, off_form=None, status=200) -> HttpResponse:
    hours = availability.working_hours_of(trainer)
    context = {
        "trainer": trainer,
        "week_form": week_form or WeekForm(initial=WeekForm.initial_from(hours)),
        "off_form": off_form or TimeOffForm(),
        "time_off": list(availability.time_off_list(actor=request.user, trainer=trainer)[:50]),
        "policy": SchedulingSettings.load(),
        "is_me": trainer.user_id == request.user.pk,
        "can_pick": manages_staff(request.user),
    }
    return render(request, "scheduling/availability/trainer.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def trainer_availability(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _trainer(request, trainer_id)
    if request.method == "GET":
        return _render(request, trainer)
    form = WeekForm(request.POST)
    if form.is_valid():
        try:
            services.working_hours_set(actor=request.user, trainer=trainer, hours=form.hours())
        except ApplicationError as exc:
            form.apply(exc)
        else:
            messages.success(request, "Working hours saved.")
            return redirect("availability:trainer", trainer_id=trainer.pk)
    return _render(request, trainer, week_form=form, status=400)


@require_POST
@role_required(*EDITORS)
def time_off_add(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _trainer(request, trainer_id)
    form = TimeOffForm(request.POST)
    if form.is_valid():
        try:
            services.time_off_add(actor=request.user, trainer=trainer, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.code == "schedule_conflict":
                # Each colliding session listed above the form, the count at the field.
                for error in exc.errors:
                    form.add_error(None, error["message"])
                form.add_error("starts_at", exc.message)
            else:
                apply_errors(form, exc)
        else:
            messages.success(request, "Time off added.")
            return redirect("availability:trainer", trainer_id=trainer.pk)
    return _render(request, trainer, off_form=form, status=400)


@require_POST
@role_required(*EDITORS)
def time_off_remove(request: HttpRequest, trainer_id: int, time_off_id: int) -> HttpResponse:
    trainer = _trainer(request, trainer_id)
    try:
        off = availability.time_off_list(actor=request.user, trainer=trainer).get(pk=time_off_id)
    except TimeOff.DoesNotExist as exc:
        raise Http404("No such time off.") from exc
    services.time_off_remove(actor=request.user, time_off=off)
    messages.success(request, "Time off removed.")
    return redirect("availability:trainer", trainer_id=trainer.pk)
