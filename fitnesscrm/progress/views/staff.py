"""A client's progress for staff who coach them: owners, managers, the client's trainers.

The front desk and clients get 403 (the role never opens these pages); a client the
user may not see is a 404, whatever the id.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients import consent
from fitnesscrm.clients.models import Client
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors, refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import MANAGEMENT_ROLES
from fitnesscrm.progress.forms.consent import StaffConsentForm, UnitSettingsForm, WithdrawForm
from fitnesscrm.progress.models import ProgressSettings
from fitnesscrm.progress.selectors.measurements import progress_client_get
from fitnesscrm.progress.services.settings import progress_settings_update
from fitnesscrm.progress.views import _common
from fitnesscrm.progress.views._common import Where
from fitnesscrm.training.access import COACHING_ROLES

COACHES = tuple(COACHING_ROLES)


def _where(client: Client) -> Where:
    return Where("progress", client, portal=False)


def _client_or_404(request: HttpRequest, client_id: int) -> Client:
    try:
        return progress_client_get(user=request.user, client_id=client_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
@role_required(*COACHES)
def client_progress(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    return _common.progress_page(
        request,
        _where(client),
        "progress/client.html",
        consent_form=StaffConsentForm(),
        withdraw_form=WithdrawForm(),
    )


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def measurement_add(request: HttpRequest, client_id: int) -> HttpResponse:
    return _common.measurement_form(request, _where(_client_or_404(request, client_id)))


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def measurement_edit(request: HttpRequest, measurement_id: int) -> HttpResponse:
    measurement = _common.measurement_or_404(request, measurement_id)
    return _common.measurement_form(request, _where(measurement.client), measurement)


@require_POST
@role_required(*COACHES)
def measurement_delete(request: HttpRequest, measurement_id: int) -> HttpResponse:
    return _common.measurement_delete(request, _where, measurement_id)


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def goal_add(request: HttpRequest, client_id: int) -> HttpResponse:
    return _common.goal_form(request, _where(_client_or_404(request, client_id)))


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = _common.goal_or_404(request, goal_id)
    return _common.goal_form(request, _where(goal.client), goal)


@require_POST
@role_required(*COACHES)
def goal_abandon(request: HttpRequest, goal_id: int) -> HttpResponse:
    return _common.goal_abandon(request, _where, goal_id)


@require_POST
@role_required(*COACHES)
def consent_grant(request: HttpRequest, client_id: int) -> HttpResponse:
    """Record a consent the client gave in person or on a signed form."""
    client = _client_or_404(request, client_id)
    form = StaffConsentForm(request.POST)
    if form.is_valid():
        try:
            consent.consent_grant(
                actor=request.user,
                client=client,
                method=form.cleaned_data["method"],
                wording=consent.HEALTH_CONSENT_WORDING,
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "Consent to health data recorded.")
            return redirect(_where(client).home)
    response = _common.progress_page(
        request,
        _where(client),
        "progress/client.html",
        consent_form=form,
        withdraw_form=WithdrawForm(),
    )
    response.status_code = 400
    return response


@require_POST
@role_required(*COACHES)
def consent_withdraw(request: HttpRequest, client_id: int) -> HttpResponse:
    """Record that the client withdrew their consent (told staff in person or in writing)."""
    client = _client_or_404(request, client_id)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        consent.consent_withdraw(
            actor=request.user,
            client=client,
            method=request.POST.get("method") or "in_person",
            delete_data=form.cleaned_data.get("delete_data", False),
        )
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        erased = form.cleaned_data.get("delete_data")
        messages.success(
            request,
            "Consent withdrawn and the health data erased."
            if erased
            else "Consent withdrawn: no new health data can be recorded.",
        )
    return redirect(_where(client).home)


@require_http_methods(["GET", "POST"])
@role_required(*MANAGEMENT_ROLES)
def unit_settings(request: HttpRequest) -> HttpResponse:
    current = ProgressSettings.load()
    posted = request.method == "POST"
    form = UnitSettingsForm(
        request.POST if posted else None, initial={"unit_system": current.unit_system}
    )
    if posted and form.is_valid():
        try:
            progress_settings_update(
                actor=request.user, unit_system=form.cleaned_data["unit_system"]
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "Units saved.")
            return redirect("progress:settings")
    status = 400 if form.errors else 200
    return render(request, "progress/settings.html", {"form": form}, status=status)
