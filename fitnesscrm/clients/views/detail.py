"""A client's page (details, trainers, timeline, follow-up tasks) and the small forms posted
from it: notes, pins, status, lead stage, trainer assignments, a new task. A form with an
error shows the page again with the message at the field."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.forms import (
    AssignmentForm,
    NoteForm,
    StageForm,
    StatusForm,
    TaskForm,
)
from fitnesscrm.clients.models import HEALTH_FIELDS, EntryKind, LeadStage, Status
from fitnesscrm.clients.views._common import (
    DESK,
    STAFF,
    _back,
    _client_or_404,
    _detail_url,
    _label,
)
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors
from fitnesscrm.core.permissions import role_of, role_required, sees_all_clients
from fitnesscrm.core.roles import MANAGEMENT_ROLES
from fitnesscrm.trainers import selectors as trainer_selectors

TIMELINE_PAGE_SIZE = 50


def _describe(entry) -> None:
    """Give a timeline entry the headline and text it is shown with."""
    data = entry.data or {}
    if entry.kind == EntryKind.STATUS:
        entry.headline = (
            f"Status changed: {_label(Status, data.get('from'))} → {_label(Status, data.get('to'))}"
        )
        entry.text = ""
    elif entry.kind == EntryKind.STAGE:
        old, new = _label(LeadStage, data.get("from")), _label(LeadStage, data.get("to"))
        entry.headline = f"Lead stage: {old} → {new}"
        entry.text = f"Reason: {entry.body}" if entry.body else ""
    elif entry.kind in (EntryKind.NOTE, EntryKind.CALL, EntryKind.EMAIL):
        entry.headline = {
            EntryKind.NOTE: "Note",
            EntryKind.CALL: "Call logged",
            EntryKind.EMAIL: "Email logged",
        }[entry.kind]
        entry.text = entry.body
    else:
        entry.headline = entry.body or entry.get_kind_display()
        entry.text = ""
    entry.is_note = entry.kind in (EntryKind.NOTE, EntryKind.CALL, EntryKind.EMAIL)


def _render_detail(request: HttpRequest, client, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    desk = sees_all_clients(user)
    health = selectors.can_see_health(user, client)
    assignments = list(selectors.client_assignments(user=user, client=client))
    timeline = Paginator(
        selectors.client_timeline(user=user, client=client), TIMELINE_PAGE_SIZE
    ).get_page(request.GET.get("tpage"))
    for entry in timeline:
        _describe(entry)
    tasks = list(selectors.client_tasks(user=user, client=client)[:60])
    assignees = list(selectors.task_assignees(user=user))
    trainers = trainer_selectors.trainer_choices(user) if desk else []
    active_ids = {a.trainer_id for a in assignments if a.end_date is None}
    today = timezone.localdate()
    context = {
        "client": client,
        "tags": list(client.tags.all()),
        "health": health,
        "desk": desk,
        "manages_tasks": role_of(user) in MANAGEMENT_ROLES,
        "can_edit": selectors.can_edit_client(user, client),
        "active_assignments": [a for a in assignments if a.end_date is None],
        "ended_assignments": [a for a in assignments if a.end_date is not None],
        "timeline": timeline,
        "open_tasks": [t for t in tasks if t.done_at is None],
        "done_tasks": [t for t in tasks if t.done_at is not None][:5],
        "today": today,
        "invite_pending": bool(client.user_id and not client.user.has_usable_password()),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": client.status}),
        "stage_form": forms.get("stage_form")
        or StageForm(initial={"stage": client.lead_stage, "lost_reason": client.lost_reason}),
        "note_form": forms.get("note_form") or NoteForm(),
        "task_form": forms.get("task_form")
        or TaskForm(
            assignees=assignees,
            initial={"assigned_to": user.pk, "due_date": today},
        ),
        "assign_form": forms.get("assign_form")
        or AssignmentForm(trainers=[t for t in trainers if t.pk not in active_ids]),
        "health_fields": HEALTH_FIELDS,
    }
    return render(request, "clients/detail.html", context, status=status)


@require_GET
@role_required(*STAFF)
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    return _render_detail(request, _client_or_404(request, client_id))


@require_POST
@role_required(*STAFF)
def note_add(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(actor=request.user, client=client, **form.cleaned_data)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{_label(EntryKind, form.cleaned_data['kind'])} added.")
            return redirect(_detail_url(client) + "#timeline")
    return _render_detail(request, client, status=400, note_form=form)


@require_POST
@role_required(*STAFF)
def note_pin(request: HttpRequest, client_id: int, entry_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    pinned = request.POST.get("pinned", "1") == "1"
    try:
        services.note_pin(actor=request.user, entry_id=entry_id, client=client, pinned=pinned)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Pinned to the top." if pinned else "Unpinned.")
    return redirect(_detail_url(client) + "#timeline")


@require_POST
@role_required(*STAFF)
def status_change(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the statuses.")
    else:
        try:
            client = services.client_set_status(
                actor=request.user, client=client, status=form.cleaned_data["status"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Status is now {client.get_status_display()}.")
    return redirect(_back(request, _detail_url(client)))


@require_POST
@role_required(*STAFF)
def stage_change(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    else:
        try:
            client = services.lead_set_stage(
                actor=request.user,
                client=client,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except ApplicationError as exc:
            messages.error(request, f"{client.full_name}: {exc.message}")
        else:
            stage = client.get_lead_stage_display()
            extra = " and is now an active client" if client.lead_stage == LeadStage.WON else ""
            messages.success(request, f"{client.full_name} moved to {stage}{extra}.")
    return redirect(_back(request, _detail_url(client)))


@require_POST
@role_required(*DESK)
def assignment_add(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    trainers = trainer_selectors.trainer_choices(request.user)
    form = AssignmentForm(request.POST, trainers=trainers)
    if form.is_valid():
        data = form.cleaned_data
        trainer = next(t for t in trainers if t.pk == data["trainer"])
        try:
            services.assignment_create(
                actor=request.user,
                client=client,
                trainer=trainer,
                is_primary=data["is_primary"],
                start_date=data["start_date"],
                notes=data["notes"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{trainer.name} assigned.")
            return redirect(_detail_url(client) + "#trainers")
    return _render_detail(request, client, status=400, assign_form=form)


@require_POST
@role_required(*DESK)
def assignment_end(request: HttpRequest, client_id: int, assignment_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    try:
        assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if assignment.client_id != client.pk:
        raise Http404("No such assignment.")
    try:
        services.assignment_end(actor=request.user, assignment=assignment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{assignment.trainer.name} no longer assigned; kept in history.")
    return redirect(_detail_url(client) + "#trainers")


@require_POST
@role_required(*STAFF)
def task_add(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    form = TaskForm(request.POST, assignees=selectors.task_assignees(user=request.user))
    if form.is_valid():
        try:
            services.task_create(actor=request.user, client=client, **form.cleaned_data)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Follow-up task added.")
            return redirect(_detail_url(client) + "#tasks")
    return _render_detail(request, client, status=400, task_form=form)
