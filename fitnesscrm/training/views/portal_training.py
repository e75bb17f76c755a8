"""The client's training in the portal: today's workout, my programs, history, records.

Pages for the phone first. Reads go through training.selectors.workouts and writes
through training.services.workouts, as on the staff pages and in the API: a client
sees and logs only their own workouts.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import found_or_404, refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.training.models import ProgramStatus
from fitnesscrm.training.selectors import workouts as selectors
from fitnesscrm.training.services import workouts as services
from fitnesscrm.training.views.workouts import by_exercise, enter_new_log, records_table

LOGS_PER_PAGE = 20


def _no_profile(request: HttpRequest, active: str) -> HttpResponse:
    return render(
        request, "training/portal/no_profile.html", {"title": "My training", "active": active}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def today(request: HttpRequest) -> HttpResponse:
    """Today's workout: the next day of this week's plan (or the one picked), or off-plan."""
    client = client_of_user(request.user)
    if client is None:
        return _no_profile(request, "today")
    day_id = request.POST.get("day") or request.GET.get("day")
    free = request.GET.get("free") == "1" or request.POST.get("free") == "1"
    week = selectors.week_plan(user=request.user, client=client)
    day_plan = None
    if not free and week is not None:
        day_plan = found_or_404(
            selectors.today_plan, user=request.user, client=client, day_id=day_id or None
        )
    entry, log, status = enter_new_log(request, client, day_plan)
    if log is not None:
        return redirect("portal-training:log", log_id=log.pk)
    context = {
        "title": "Today's workout",
        "active": "today",
        "client": client,
        "week": week,
        "day_plan": day_plan,
        "free": free or day_plan is None,
        "week_done": week is not None and day_plan is None and not free,
        "entry": entry,
        "extra_url": reverse("workouts:extra-set"),
    }
    return render(request, "training/portal/today.html", context, status=status)


@require_GET
@role_required(Role.CLIENT)
def programs(request: HttpRequest) -> HttpResponse:
    """My programs; the active one with this week's days and planned loads."""
    client = client_of_user(request.user)
    if client is None:
        return _no_profile(request, "programs")
    copies = selectors.client_programs(user=request.user, client=client)
    weeks = {}
    for program in copies:
        if program.status == ProgramStatus.ACTIVE:
            weeks[program.pk] = selectors.week_plan(
                user=request.user, client=client, program_id=program.pk
            )
    for program in copies:
        program.this_week = weeks.get(program.pk)
    context = {"title": "My programs", "active": "programs", "programs": copies}
    return render(request, "training/portal/programs.html", context)


@require_GET
@role_required(Role.CLIENT)
def history(request: HttpRequest) -> HttpResponse:
    client = client_of_user(request.user)
    if client is None:
        return _no_profile(request, "history")
    logs = selectors.workout_logs(user=request.user, client_id=client.pk)
    page = Paginator(logs, LOGS_PER_PAGE).get_page(request.GET.get("page"))
    for log in page.object_list:
        log.groups = by_exercise(log)
    context = {"title": "My workouts", "active": "history", "page": page}
    return render(request, "training/portal/history.html", context)


@require_GET
@role_required(Role.CLIENT)
def log_detail(request: HttpRequest, log_id: int) -> HttpResponse:
    log = found_or_404(selectors.workout_log_get, user=request.user, log_id=log_id)
    context = {
        "title": f"Workout of {log.performed_on:%d %b %Y}",
        "log": log,
        "groups": by_exercise(log),
        "back_url": reverse("portal-training:history"),
        "delete_url": reverse("portal-training:delete", args=[log.pk]),
        "portal": True,
    }
    return render(request, "training/portal/log.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def log_delete(request: HttpRequest, log_id: int) -> HttpResponse:
    log = found_or_404(selectors.workout_log_get, user=request.user, log_id=log_id)
    if request.method == "POST":
        try:
            services.workout_log_delete(actor=request.user, log=log)
        except (ApplicationError, NotFound) as exc:
            refuse(exc)
            raise
        messages.success(request, "Workout deleted.")
        return redirect("portal-training:history")
    context = {
        "title": "Delete this workout?",
        "log": log,
        "cancel_url": reverse("portal-training:log", args=[log.pk]),
    }
    return render(request, "training/workouts/delete.html", context)


@require_GET
@role_required(Role.CLIENT)
def records(request: HttpRequest) -> HttpResponse:
    client = client_of_user(request.user)
    if client is None:
        return _no_profile(request, "records")
    rows = selectors.personal_records(user=request.user, client_id=client.pk)
    context = {"title": "My records", "active": "records", "records": records_table(rows)}
    return render(request, "training/portal/records.html", context)
