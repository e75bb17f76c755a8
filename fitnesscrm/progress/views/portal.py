"""The client's own progress in the portal: consent, measurements, charts, goals.

A client records their own measurements (a weight taken at home) and sets personal
goals, and changes or deletes only what they recorded or set themselves; goals their
trainer set are shown, not editable. Without their consent to health data, the page
says so, offers the consent with its wording, and shows no measurement form.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients import consent
from fitnesscrm.clients.models import Client, ConsentMethod
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors, refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.progress.forms.consent import PortalConsentForm, WithdrawForm
from fitnesscrm.progress.selectors.measurements import own_client
from fitnesscrm.progress.views import _common
from fitnesscrm.progress.views._common import Where

NO_ACTION_MESSAGE = "Choose to give or to withdraw your consent."


def _where(client: Client) -> Where:
    return Where("portal-progress", client, portal=True)


def _own(request: HttpRequest) -> Client:
    try:
        return own_client(request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
@role_required(Role.CLIENT)
def index(request: HttpRequest) -> HttpResponse:
    return _common.progress_page(request, _where(_own(request)), "progress/portal.html")


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def consent_page(request: HttpRequest) -> HttpResponse:
    """Give consent (with the wording shown), or withdraw it, optionally erasing the data."""
    client = _own(request)
    posted = request.method == "POST"
    action = request.POST.get("action") if posted else None
    give_form = PortalConsentForm(request.POST if action == "give" else None)
    withdraw_form = WithdrawForm(request.POST if action == "withdraw" else None)
    if action == "give" and give_form.is_valid():
        try:
            consent.consent_grant(
                actor=request.user,
                client=client,
                method=ConsentMethod.PORTAL,
                wording=consent.HEALTH_CONSENT_WORDING,
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(give_form, exc)
        else:
            messages.success(request, "Thank you: your consent is recorded.")
            return redirect("portal-progress:index")
    elif action == "withdraw" and withdraw_form.is_valid():
        erase = withdraw_form.cleaned_data["delete_data"]
        try:
            consent.consent_withdraw(
                actor=request.user, client=client, method=ConsentMethod.PORTAL, delete_data=erase
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(withdraw_form, exc)
        else:
            messages.success(
                request,
                "Your consent is withdrawn and your health data erased."
                if erase
                else "Your consent is withdrawn: nothing new will be recorded.",
            )
            return redirect("portal-progress:index")
    state = _common._consent_state(client)
    if posted and action not in ("give", "withdraw"):
        # Neither button: the form the page shows says so (a bare POST changes nothing).
        if state["consent_given"]:
            withdraw_form = shown = WithdrawForm(request.POST)
        else:
            give_form = shown = PortalConsentForm(request.POST)
        shown.is_valid()
        shown.add_error(None, NO_ACTION_MESSAGE)
    status = 400 if give_form.errors or withdraw_form.errors else 200
    return render(
        request,
        "progress/portal_consent.html",
        {"client": client, "give_form": give_form, "withdraw_form": withdraw_form, **state},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def measurement_add(request: HttpRequest) -> HttpResponse:
    return _common.measurement_form(request, _where(_own(request)))


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def measurement_edit(request: HttpRequest, measurement_id: int) -> HttpResponse:
    measurement = _common.measurement_or_404(request, measurement_id)
    return _common.measurement_form(request, _where(measurement.client), measurement)


@require_POST
@role_required(Role.CLIENT)
def measurement_delete(request: HttpRequest, measurement_id: int) -> HttpResponse:
    return _common.measurement_delete(request, _where, measurement_id)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def goal_add(request: HttpRequest) -> HttpResponse:
    return _common.goal_form(request, _where(_own(request)))


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = _common.goal_or_404(request, goal_id)
    return _common.goal_form(request, _where(goal.client), goal)


@require_POST
@role_required(Role.CLIENT)
def goal_abandon(request: HttpRequest, goal_id: int) -> HttpResponse:
    return _common.goal_abandon(request, _where, goal_id)
