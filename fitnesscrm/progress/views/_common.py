"""What the staff and portal progress pages share: the page's context, the forms' handling.

Staff pages (namespace `progress`) take the client from the URL, checked against
training.access; the portal (namespace `portal-progress`) uses the signed-in client's
own record. Both render the same templates with the URLs of their own namespace.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fitnesscrm.clients.consent import HEALTH_CONSENT_WORDING, consent_history
from fitnesscrm.clients.models import Client
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors, refuse
from fitnesscrm.progress.forms.goals import GoalForm, metric_unit
from fitnesscrm.progress.forms.measurements import MeasurementForm
from fitnesscrm.progress.models import Goal, Measurement
from fitnesscrm.progress.models.measurements import LIMITS, VALUE_FIELDS
from fitnesscrm.progress.selectors import goals as goal_selectors
from fitnesscrm.progress.selectors import measurements as measurement_selectors
from fitnesscrm.progress.selectors.charts import chart_data
from fitnesscrm.progress.services import goals as goal_services
from fitnesscrm.progress.services import measurements as measurement_services
from fitnesscrm.progress.units import Units, current_units
from fitnesscrm.training.models import Exercise

MEASUREMENTS_PER_PAGE = 20
GOALS_SHOWN = 50
# The measures shown in the "latest" summary, in order.
SUMMARY = ("weight_kg", "body_fat_pct", "muscle_mass_kg", "waist_cm", "resting_hr", "height_cm")


@dataclass(frozen=True)
class Where:
    """Which side a page is on: the URL namespace and the client's URL arguments."""

    namespace: str
    client: Client
    portal: bool

    def url(self, name: str, *args) -> str:
        client_args = () if self.portal else (self.client.pk,)
        if name == "index" and not self.portal:
            name = "client"
        if name in ("index", "client", "measurement-add", "goal-add", "consent"):
            return reverse(f"{self.namespace}:{name}", args=client_args)
        return reverse(f"{self.namespace}:{name}", args=args)

    @property
    def home(self) -> str:
        return self.url("index")

    @property
    def urls(self) -> dict:
        """The URLs a page links to, for the templates."""
        urls = {
            "home": self.home,
            "measurement_add": self.url("measurement-add"),
            "goal_add": self.url("goal-add"),
            "consent": self.url("consent"),
        }
        if not self.portal:
            urls["consent_withdraw"] = reverse("progress:consent-withdraw", args=(self.client.pk,))
        return urls


def _consent_state(client: Client) -> dict:
    history = list(consent_history(client)[:10])
    latest = history[0] if history else None
    return {
        "consent_given": latest is not None and latest.granted,
        "consent_latest": latest,
        "consent_history": history,
        "consent_wording": HEALTH_CONSENT_WORDING,
    }


def _latest_rows(latest: dict, units: Units) -> list[dict]:
    rows = []
    for name in SUMMARY:
        value = latest.get(name)
        rows.append(
            {
                "key": name,
                "label": LIMITS[name][0],
                "value": units.show(name, value[0]) if value else "",
                "on": value[1] if value else None,
            }
        )
    if latest.get("bp_systolic") and latest.get("bp_diastolic"):
        rows.append(
            {
                "key": "bp",
                "label": "Blood pressure",
                "value": f"{latest['bp_systolic'][0]}/{latest['bp_diastolic'][0]} mmHg",
                "on": latest["bp_systolic"][1],
            }
        )
    return rows


def _dressed_measurements(rows: list[Measurement], units: Units, user, where: Where) -> list:
    for measurement in rows:
        measurement.shown = [
            {"label": LIMITS[name][0], "value": units.show(name, getattr(measurement, name))}
            for name in VALUE_FIELDS
            if getattr(measurement, name) is not None
        ]
        measurement.changeable = measurement_selectors.can_change_measurement(user, measurement)
        measurement.edit_url = where.url("measurement-edit", measurement.pk)
        measurement.delete_url = where.url("measurement-delete", measurement.pk)
    return rows


def _dressed_goals(goals: list[Goal], units: Units, user, where: Where) -> list[Goal]:
    from fitnesscrm.progress.forms.goals import shown

    for goal in goals:
        unit = metric_unit(goal.metric, units)
        goal.unit = unit
        goal.start_shown = shown(goal.metric, goal.start_value, units)
        goal.target_shown = shown(goal.metric, goal.target_value, units)
        current = goal.progress.current
        goal.current_shown = shown(goal.metric, current, units) if current is not None else None
        for milestone in goal.milestones.all():
            milestone.shown = shown(goal.metric, milestone.value, units)
        goal.changeable = goal_selectors.can_change_goal(user, goal)
        goal.edit_url = where.url("goal-edit", goal.pk)
        goal.abandon_url = where.url("goal-abandon", goal.pk)
    return goals


def progress_page(request: HttpRequest, where: Where, template: str, **extra) -> HttpResponse:
    """The client's progress: latest values and BMI, charts, goals, measurements, consent."""
    user, client = request.user, where.client
    units = current_units()
    latest = measurement_selectors.latest_values(client)
    page = Paginator(
        measurement_selectors.measurement_list(user=user, client_id=client.pk),
        MEASUREMENTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    goals = goal_selectors.attach_progress(
        list(goal_selectors.goal_list(user=user, client_id=client.pk)[:GOALS_SHOWN])
    )
    context = {
        "client": client,
        "where": where,
        "urls": where.urls,
        "units": units,
        "latest": _latest_rows(latest, units),
        "bmi": latest["bmi"],
        "page": page,
        "measurements": _dressed_measurements(list(page.object_list), units, user, where),
        "goals": _dressed_goals(goals, units, user, where),
        "charts": chart_data(client=client, units=units),
        **_consent_state(client),
        **extra,
    }
    return render(request, template, context)


def _exercises_for(client: Client, goal: Goal | None = None) -> list[Exercise]:
    """Exercises a lift goal can be set for: those the client has logged (and the goal's own)."""
    exercises = Exercise.objects.filter(
        logged_sets__log__client=client, logged_sets__e1rm_kg__isnull=False
    )
    if goal is not None and goal.exercise_id:
        exercises = exercises | Exercise.objects.filter(pk=goal.exercise_id)
    return list(exercises.filter(archived_at__isnull=True).distinct().order_by("name"))


def _form_page(request, template: str, where: Where, form, status_ok=200, **extra):
    status = 400 if form.errors else status_ok
    context = {"form": form, "where": where, "urls": where.urls, "client": where.client, **extra}
    return render(request, template, context, status=status)


def measurement_form(
    request: HttpRequest, where: Where, measurement: Measurement | None = None
) -> HttpResponse:
    units = current_units()
    posted = request.method == "POST"
    form = MeasurementForm(request.POST if posted else None, units=units, measurement=measurement)
    consent = _consent_state(where.client)
    if posted and form.is_valid():
        try:
            if measurement is None:
                measurement_services.measurement_record(
                    actor=request.user,
                    client=where.client,
                    measured_on=form.cleaned_data["measured_on"],
                    values=form.metric_values,
                    notes=form.cleaned_data["notes"],
                )
            else:
                measurement_services.measurement_update(
                    actor=request.user,
                    measurement=measurement,
                    measured_on=form.cleaned_data["measured_on"],
                    values=form.metric_values,
                    notes=form.cleaned_data["notes"],
                )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "Measurement saved.")
            return redirect(where.home)
    return _form_page(
        request,
        "progress/measurement_form.html",
        where,
        form,
        measurement=measurement,
        units=units,
        **consent,
    )


def measurement_delete(request: HttpRequest, where_for, measurement_id: int) -> HttpResponse:
    measurement = measurement_or_404(request, measurement_id)
    where = where_for(measurement.client)
    try:
        measurement_services.measurement_delete(actor=request.user, measurement=measurement)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "Measurement deleted.")
    return redirect(where.home)


def measurement_or_404(request: HttpRequest, measurement_id: int) -> Measurement:
    try:
        measurement = measurement_selectors.measurement_get(
            user=request.user, measurement_id=measurement_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not measurement_selectors.can_change_measurement(request.user, measurement):
        raise Http404("No such measurement.")
    return measurement


def goal_or_404(request: HttpRequest, goal_id: int) -> Goal:
    try:
        goal = goal_selectors.goal_get(user=request.user, goal_id=goal_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not goal_selectors.can_change_goal(request.user, goal):
        raise Http404("No such goal.")
    return goal


def goal_form(request: HttpRequest, where: Where, goal: Goal | None = None) -> HttpResponse:
    units = current_units()
    posted = request.method == "POST"
    form = GoalForm(
        request.POST if posted else None,
        units=units,
        exercises=_exercises_for(where.client, goal),
        goal=goal,
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            if goal is None:
                goal_services.goal_create(
                    actor=request.user,
                    client=where.client,
                    title=data["title"],
                    metric=data["metric"],
                    exercise=data.get("exercise"),
                    start_value=form.stored.get("start_value"),
                    target_value=form.stored.get("target_value"),
                    start_date=data.get("start_date"),
                    target_date=data["target_date"],
                    notes=data["notes"],
                    milestones=form.stored["milestones"],
                )
            else:
                goal_services.goal_update(
                    actor=request.user,
                    goal=goal,
                    title=data["title"],
                    target_value=form.stored.get("target_value"),
                    target_date=data["target_date"],
                    notes=data["notes"],
                    milestones=form.stored["milestones"],
                )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "Goal saved.")
            return redirect(where.home)
    return _form_page(
        request,
        "progress/goal_form.html",
        where,
        form,
        goal=goal,
        units=units,
        **_consent_state(where.client),
    )


def goal_abandon(request: HttpRequest, where_for, goal_id: int) -> HttpResponse:
    goal = goal_or_404(request, goal_id)
    where = where_for(goal.client)
    try:
        goal_services.goal_abandon(actor=request.user, goal=goal)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Goal “{goal.title}” abandoned.")
    return redirect(where.home)
