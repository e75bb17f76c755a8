"""Staff pages of workout logs: a client's logs with records and adherence, logging a
workout (a program day or off-plan), a log's page, edit and delete, and the adherence
overview of every client with an active program.

Owners, managers and trainers open them; each sees only the clients
fitnesscrm.training.access.coached_clients allows (another trainer's client is a 404).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import found_or_404, refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.training import records as maths
from fitnesscrm.training.forms.workouts import WorkoutEntry, exercise_choices, extra_row
from fitnesscrm.training.models import RecordKind
from fitnesscrm.training.selectors import workouts as selectors
from fitnesscrm.training.services import workouts as services

STAFF = (Role.OWNER, Role.MANAGER, Role.TRAINER)
LOGS_PER_PAGE = 20
CLIENTS_PER_PAGE = 50
TIMES = "\N{MULTIPLICATION SIGN}"


# --- Shared by the staff pages and the portal ---------------------------------------------------


def describe_set(logged) -> str:
    """A set as logged, in its unit: 5 x 100 kg @ RPE 8, 60 s, or "not done"."""
    if not logged.completed:
        return "not done"
    parts = []
    if logged.reps is not None and logged.load is not None:
        parts.append(
            f"{logged.reps} {TIMES} {maths.shown(logged.load, maths.CENT)} {logged.load_unit}"
        )
    elif logged.reps is not None:
        parts.append(f"{logged.reps} reps")
    elif logged.load is not None:
        parts.append(f"{maths.shown(logged.load, maths.CENT)} {logged.load_unit}")
    if logged.distance_m is not None:
        parts.append(f"{logged.distance_m} m")
    if logged.duration_seconds is not None:
        parts.append(f"{logged.duration_seconds} s")
    text = ", ".join(parts)
    if logged.rpe is not None:
        text += f" @ RPE {maths.shown(logged.rpe)}"
    return text


def by_exercise(log) -> list[tuple]:
    """The log's sets grouped by exercise, in the order done, each set described."""
    groups: list[tuple] = []
    for logged in log.sets.all():
        logged.text = describe_set(logged)
        if groups and groups[-1][0].pk == logged.exercise_id:
            groups[-1][1].append(logged)
        else:
            groups.append((logged.exercise, [logged]))
    return groups


def record_text(record) -> str:
    """A record in kg, with lb alongside when its set was logged in lb."""
    # A load lifted is shown as loaded (36.25 kg); estimates and volumes to a tenth.
    places = maths.CENT if record.kind == RecordKind.LOAD_FOR_REPS else maths.TENTH
    text = f"{maths.shown(record.value_kg, places)} kg"
    if record.logged_set is not None and record.logged_set.load_unit == maths.LB:
        text += f" ({maths.lb_alongside(record.value_kg)} lb)"
    return text


def records_table(rows) -> list:
    grouped = selectors.records_by_exercise(list(rows))
    for entry in grouped:
        for record in [entry.e1rm, entry.volume, *entry.by_reps]:
            if record is not None:
                record.text = record_text(record)
    return grouped


def announce(request: HttpRequest, log) -> None:
    """Say the workout was saved and, per exercise, the records it set:
    New record: Back squat e1RM 142.5 kg, best for 5 reps 120 kg."""
    messages.success(request, "Workout saved.")
    by_name: dict[str, list] = {}
    for record in log.new_records:
        by_name.setdefault(record.exercise, []).append(f"{record.label} {record.value}")
    for name, texts in by_name.items():
        messages.success(request, f"New record: {name} {', '.join(texts)}")


def save_entry(request, entry: WorkoutEntry, write):
    """Run `write(entry)` (a service call) when the forms are valid; the log, or None with
    the refusal shown at the fields."""
    if not entry.is_valid():
        return None
    specs = entry.specs()
    try:
        return write(entry.workout.cleaned_data, specs)
    except NotFound as exc:
        if exc.errors:
            entry.show(exc)
            return None
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        entry.show(exc)
        return None


def enter_new_log(request: HttpRequest, client, day_plan) -> tuple[WorkoutEntry, object, int]:
    """The form for a new workout of `client` (a program day's, or off-plan without one).

    On POST the log is written; returns the form, the new log (None unless saved, its
    records announced) and the status of a page showing the form again (400 or 200).
    """
    if request.method != "POST":
        initial = {"performed_on": timezone.localdate()}
        return WorkoutEntry.blank(day_plan=day_plan, initial=initial), None, 200
    entry = WorkoutEntry.bound(request.POST, day_plan=day_plan)

    def write(data, specs):
        return services.workout_log_create(
            actor=request.user,
            client=client,
            performed_on=data["performed_on"],
            program_day=day_plan.day if day_plan else None,
            sets=specs,
            notes=data["notes"],
            duration_minutes=data["duration_minutes"],
            session_rpe=data["session_rpe"],
        )

    log = save_entry(request, entry, write)
    if log is not None:
        announce(request, log)
    return entry, log, 400


def _paged(request, queryset, per_page):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# --- A client's workouts ------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def client_logs(request: HttpRequest, client_id: int) -> HttpResponse:
    client = found_or_404(selectors.training_client_get, user=request.user, client_id=client_id)
    page = _paged(
        request, selectors.workout_logs(user=request.user, client_id=client.pk), LOGS_PER_PAGE
    )
    for log in page.object_list:
        log.groups = by_exercise(log)
    week = selectors.week_plan(user=request.user, client=client)
    context = {
        "title": f"Workouts of {client.full_name}",
        "client": client,
        "page": page,
        "records": records_table(
            selectors.personal_records(user=request.user, client_id=client.pk)
        ),
        "adherence": selectors.adherence(user=request.user, client_id=client.pk),
        "week": week,
    }
    return render(request, "training/workouts/client.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def log_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = found_or_404(selectors.training_client_get, user=request.user, client_id=client_id)
    day_id = request.POST.get("day") or request.GET.get("day")
    day_plan = None
    if day_id:
        day_plan = found_or_404(selectors.day_plan, user=request.user, client=client, day_id=day_id)
    entry, log, status = enter_new_log(request, client, day_plan)
    if log is not None:
        return redirect("workouts:detail", log_id=log.pk)
    context = {
        "title": f"Log a workout for {client.full_name}",
        "client": client,
        "entry": entry,
        "day_plan": day_plan,
        "extra_url": reverse("workouts:extra-set"),
        "cancel_url": reverse("workouts:client", args=[client.pk]),
    }
    return render(request, "training/workouts/form.html", context, status=status)


@require_GET
@role_required(*STAFF)
def log_detail(request: HttpRequest, log_id: int) -> HttpResponse:
    log = found_or_404(selectors.workout_log_get, user=request.user, log_id=log_id)
    context = {
        "title": f"Workout of {log.performed_on:%d %b %Y}",
        "log": log,
        "groups": by_exercise(log),
        "back_url": reverse("workouts:client", args=[log.client_id]),
        "edit_url": reverse("workouts:edit", args=[log.pk]),
        "delete_url": reverse("workouts:delete", args=[log.pk]),
    }
    return render(request, "training/workouts/detail.html", context)


def _day_plan_of(user, log):
    if log.program_day_id is None:
        return None
    try:
        return selectors.day_plan(
            user=user,
            client=log.client,
            day_id=log.program_day_id,
            on_date=log.performed_on,
            active_only=False,
        )
    except NotFound:
        return None


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def log_edit(request: HttpRequest, log_id: int) -> HttpResponse:
    log = found_or_404(selectors.workout_log_get, user=request.user, log_id=log_id)
    day_plan = _day_plan_of(request.user, log)
    if request.method == "POST":
        entry = WorkoutEntry.bound(request.POST, day_plan=day_plan)

        def write(data, specs):
            return services.workout_log_update(
                actor=request.user,
                log=log,
                performed_on=data["performed_on"],
                sets=specs,
                notes=data["notes"],
                duration_minutes=data["duration_minutes"],
                session_rpe=data["session_rpe"],
            )

        saved = save_entry(request, entry, write)
        if saved is not None:
            announce(request, saved)
            return redirect("workouts:detail", log_id=saved.pk)
        status = 400
    else:
        entry = WorkoutEntry.blank(
            day_plan=day_plan,
            sets=list(log.sets.all()),
            initial={
                "performed_on": log.performed_on,
                "duration_minutes": log.duration_minutes,
                "session_rpe": log.session_rpe,
                "notes": log.notes,
            },
        )
        status = 200
    context = {
        "title": f"Change the workout of {log.performed_on:%d %b %Y}",
        "client": log.client,
        "log": log,
        "entry": entry,
        "day_plan": day_plan,
        "extra_url": reverse("workouts:extra-set"),
        "cancel_url": reverse("workouts:detail", args=[log.pk]),
    }
    return render(request, "training/workouts/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def log_delete(request: HttpRequest, log_id: int) -> HttpResponse:
    log = found_or_404(selectors.workout_log_get, user=request.user, log_id=log_id)
    if request.method == "POST":
        try:
            services.workout_log_delete(actor=request.user, log=log)
        except ApplicationError as exc:
            refuse(exc)
            raise
        messages.success(request, "Workout deleted; the records were worked out again.")
        return redirect("workouts:client", client_id=log.client_id)
    context = {
        "title": "Delete this workout?",
        "log": log,
        "cancel_url": reverse("workouts:detail", args=[log.pk]),
    }
    return render(request, "training/workouts/delete.html", context)


@require_GET
@role_required(Role.OWNER, Role.MANAGER, Role.TRAINER, Role.CLIENT)
def extra_set(request: HttpRequest) -> HttpResponse:
    """One more blank extra row (htmx), and the "Add" button asking for the next one."""
    raw = request.GET.get("index", "")
    if not raw.isdigit() or int(raw) > services.MAX_SETS + 10:
        return HttpResponse("Which row?", status=400)
    index = int(raw)
    context = {
        "row": extra_row(index, exercise_choices()),
        "next_index": index + 1,
        "extra_url": request.path,
    }
    return render(request, "training/workouts/_extra_row.html", context)


# --- Adherence overview -------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def adherence_overview(request: HttpRequest) -> HttpResponse:
    """Every client with an active program that the user coaches: this week and the last
    weeks, planned versus done (the same number of queries however many clients)."""
    page = _paged(request, selectors.adherence_programs(user=request.user), CLIENTS_PER_PAGE)
    rows = selectors.adherence_for(page.object_list, weeks=4)
    context = {"title": "Adherence", "page": page, "rows": rows}
    return render(request, "training/workouts/adherence.html", context)
