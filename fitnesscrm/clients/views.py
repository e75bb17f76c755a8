"""Client pages: the list, a client's record, the lead board, follow-up tasks, the portal profile.

Thin adapters: reads come from clients.selectors (already scoped to the user), writes
go through clients.services; a record the user may not see is a 404.
"""

import mimetypes
from datetime import date, datetime

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients import counting, selectors, services
from fitnesscrm.clients.forms import (
    MAX_SELECTION,
    PER_PAGE_CHOICES,
    AssignmentForm,
    ClientFilterForm,
    ClientForm,
    ConsentForm,
    MergeSearchForm,
    NoteForm,
    StageForm,
    StatusForm,
    TaskForm,
    apply_errors,
)
from fitnesscrm.clients.models import HEALTH_FIELDS, EntryKind, LeadStage, Source, Status
from fitnesscrm.clients.templatetags.clients_tags import phone as format_phone
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.permissions import (
    CLIENT_DESK_ROLES,
    role_of,
    role_required,
    sees_all_clients,
)
from fitnesscrm.core.roles import MANAGEMENT_ROLES, STAFF_ROLES, Role
from fitnesscrm.trainers import selectors as trainer_selectors

STAFF = tuple(STAFF_ROLES)
DESK = tuple(CLIENT_DESK_ROLES)
TIMELINE_PAGE_SIZE = 50
TASKS_PAGE_SIZE = 50
MERGE_CANDIDATES = 10


# --- Helpers ---------------------------------------------------------------------------


def _client_or_404(request: HttpRequest, client_id: int, *, include_archived: bool = True):
    try:
        return selectors.client_get(
            user=request.user, client_id=client_id, include_archived=include_archived
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _is_fragment(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _back(request: HttpRequest, default: str) -> str:
    """Where a small form returns to: its `next` field when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _active_trainers(user) -> list:
    return list(
        trainer_selectors.visible_trainers(user)
        .filter(is_active=True)
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def _export_url() -> str:
    try:
        return reverse("clients-io:export")
    except NoReverseMatch:  # built in another branch of work
        return "/clients/export.csv"


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value or "—")


def _detail_url(client) -> str:
    return reverse("clients:detail", args=[client.pk])


# --- The list ----------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    trainers = _active_trainers(user)
    form = ClientFilterForm(
        request.GET,
        trainers=trainers,
        tags=selectors.tag_list(),
        can_see_archived=sees_all_clients(user),
    )
    values = form.values()
    per_page = values.pop("per_page")
    clients = selectors.client_list(user=user, **values)
    page = counting.CountCachedPaginator(clients, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query.pop("per_page", None)
    context = {
        "form": form,
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=1)),
        "query": query.urlencode(),
        "export_url": f"{_export_url()}?{export_query.urlencode()}".rstrip("?"),
        "filtered": bool(values["q"]) or form.active_filters > 0,
        "trainers": trainers,
        "can_assign": sees_all_clients(user),
        "can_import": services.can_import_clients(user),
        "status_choices": Status.choices,
        "per_page_choices": PER_PAGE_CHOICES,
    }
    template = "clients/list.html#results" if _is_fragment(request) else "clients/list.html"
    return render(request, template, context)


@require_POST
@role_required(*STAFF)
def client_bulk(request: HttpRequest) -> HttpResponse:
    """Tag, assign or change the status of the selected clients (only those the user sees)."""
    query = QueryDict(request.POST.get("query", ""))
    back = reverse("clients:list") + (f"?{query.urlencode()}" if query else "")
    try:
        ids = [int(pk) for pk in request.POST.getlist("ids")][: MAX_SELECTION + 1]
    except ValueError:
        ids = []
    action = request.POST.get("action", "")
    try:
        if action == "tag":
            count = services.clients_bulk_tag(
                actor=request.user, client_ids=ids, tag_name=request.POST.get("tag", "")
            )
            done = f"tagged “{request.POST.get('tag', '').strip()}”"
        elif action == "assign":
            trainer_id = request.POST.get("trainer", "")
            trainer = next(
                (t for t in _active_trainers(request.user) if str(t.pk) == trainer_id), None
            )
            if trainer is None:
                raise ApplicationError("Choose a trainer to assign.", code="invalid")
            count = services.clients_bulk_assign(
                actor=request.user, client_ids=ids, trainer=trainer
            )
            done = f"assigned to {trainer.name}"
        elif action == "status":
            status = request.POST.get("status", "")
            count = services.clients_bulk_status(actor=request.user, client_ids=ids, status=status)
            done = f"set to {_label(Status, status)}"
        else:
            raise ApplicationError("Choose what to do with the selected clients.", code="invalid")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{count} client{'s' if count != 1 else ''} {done}.")
    return redirect(back)


# --- Create and edit -------------------------------------------------------------------------


def _save_photo(actor, client, form: ClientForm) -> None:
    """The photo part of the client form: a new picture, or removing the current one."""
    upload = form.cleaned_data.get("photo")
    if isinstance(upload, UploadedFile):
        services.client_set_photo(actor=actor, client=client, upload=upload)
    elif form.cleaned_data.get("remove_photo"):
        services.client_set_photo(actor=actor, client=client, upload=None)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def client_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    trainers = _active_trainers(user) if sees_all_clients(user) else None
    posted = request.method == "POST"
    form = ClientForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        health=services.selectors_can_write_health(user),
        creating=True,
        trainers=trainers,
    )
    if posted and form.is_valid():
        trainer_id = form.cleaned_data.get("trainer")
        trainer = next((t for t in trainers or () if t.pk == trainer_id), None)
        try:
            # One piece: a photo that cannot be read leaves no client behind.
            with transaction.atomic():
                client = services.client_create(
                    actor=user,
                    status=form.cleaned_data["status"],
                    trainer=trainer,
                    **form.service_fields(),
                )
                _save_photo(user, client, form)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{client.full_name} added.")
            return redirect(_detail_url(client))
    status = 400 if form.errors else 200
    return render(request, "clients/form.html", {"form": form, "client": None}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    if not selectors.can_edit_client(request.user, client):
        raise Http404("No such client.")
    posted = request.method == "POST"
    form = ClientForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=ClientForm.initial_for(client),
        health=selectors.can_see_health(request.user, client),
        creating=False,
        has_photo=bool(client.photo),
    )
    if posted and form.is_valid():
        try:
            with transaction.atomic():
                services.client_update(actor=request.user, client=client, **form.service_fields())
                _save_photo(request.user, client, form)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect(_detail_url(client))
    status = 400 if form.errors else 200
    return render(request, "clients/form.html", {"form": form, "client": client}, status=status)


@require_GET
@role_required(*STAFF, Role.CLIENT)
def client_photo(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's photo, only to those who may see the client (a client: their own)."""
    client = _client_or_404(request, client_id)
    if not client.photo:
        raise Http404("No photo.")
    try:
        handle = client.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No photo.") from exc
    content_type = mimetypes.guess_type(client.photo.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- A client's record ----------------------------------------------------------------------


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
    trainers = _active_trainers(user) if desk else []
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
    trainers = _active_trainers(request.user)
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


@require_POST
@role_required(*DESK)
def client_archive(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    try:
        services.client_archive(actor=request.user, client=client)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{client.full_name} archived: hidden from the lists.")
    return redirect(_detail_url(client))


@require_POST
@role_required(*DESK)
def client_restore(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    try:
        services.client_restore(actor=request.user, client=client)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{client.full_name} restored.")
    return redirect(_detail_url(client))


@require_POST
@role_required(*STAFF)
def client_invite(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_or_404(request, client_id)
    try:
        user = services.client_invite(
            actor=request.user,
            client=client,
            domain=request.get_host(),
            use_https=request.is_secure(),
            resend=request.POST.get("resend") == "1",
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation on its way to {user.email}.")
    return redirect(_detail_url(client))


@require_http_methods(["GET", "POST"])
@role_required(*DESK)
def client_merge(request: HttpRequest, client_id: int) -> HttpResponse:
    """Pick a duplicate, compare the two side by side, and fold it into this record."""
    client = _client_or_404(request, client_id)
    user = request.user
    if request.method == "POST":
        try:
            duplicate_id = int(request.POST.get("duplicate", ""))
        except ValueError as exc:
            raise Http404("No such client.") from exc
        duplicate = _client_or_404(request, duplicate_id, include_archived=False)
        try:
            services.client_merge(actor=user, survivor=client, duplicate=duplicate)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("clients:merge", args=[client.pk]))
        messages.success(
            request, f"{duplicate.full_name} merged into this record; the duplicate is archived."
        )
        return redirect(_detail_url(client))

    form = MergeSearchForm(request.GET or None)
    candidates = []
    if form.is_valid() and form.cleaned_data["q"]:
        candidates = list(
            selectors.client_list(user=user, q=form.cleaned_data["q"]).exclude(pk=client.pk)[
                :MERGE_CANDIDATES
            ]
        )
    duplicate = None
    rows = []
    moving = {}
    if request.GET.get("duplicate"):
        try:
            duplicate_id = int(request.GET["duplicate"])
        except ValueError as exc:
            raise Http404("No such client.") from exc
        if duplicate_id == client.pk:
            raise Http404("No such client.")
        duplicate = _client_or_404(request, duplicate_id, include_archived=False)
        rows = _comparison(user, client, duplicate)
        moving = {
            "entries": duplicate.timeline.count(),
            "tasks": duplicate.tasks.count(),
            "assignments": duplicate.assignments.count(),
        }
    context = {
        "client": client,
        "form": form,
        "candidates": candidates,
        "duplicate": duplicate,
        "rows": rows,
        "moving": moving,
    }
    return render(request, "clients/merge.html", context)


COMPARED = [
    ("Name", "full_name"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("Date of birth", "date_of_birth"),
    ("Status", "get_status_display"),
    ("Source", "get_source_display"),
    ("Address", "address_line1"),
    ("City", "city"),
    ("Emergency contact", "emergency_contact_name"),
    ("Goals", "goals"),
    ("Health notes", "health_notes"),
    ("Injuries", "injuries"),
    ("Created", "created_at"),
]


def _shown(client, attr: str):
    """A field of a client as the comparison shows it."""
    value = getattr(client, attr)
    value = value() if callable(value) else value
    if attr == "phone":
        return format_phone(value)
    if isinstance(value, datetime):
        return dateformat.format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, date):
        return dateformat.format(value, "j M Y")
    return value


def _comparison(user, survivor, duplicate) -> list[dict]:
    """Field by field: what each record holds and what the merged record will hold."""
    rows = []
    for label, attr in COMPARED:
        if attr in HEALTH_FIELDS and not (
            selectors.can_see_health(user, survivor) and selectors.can_see_health(user, duplicate)
        ):
            continue
        keep, other = _shown(survivor, attr), _shown(duplicate, attr)
        fills = attr in services.MERGE_FILL_FIELDS and not keep and bool(other)
        rows.append({"label": label, "keep": keep, "other": other, "fills": fills})
    return rows


# --- The lead board ----------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def lead_board(request: HttpRequest) -> HttpResponse:
    board = selectors.lead_board(user=request.user)
    columns = [
        {"stage": stage, "label": label, "cards": board[stage]}
        for stage, label in LeadStage.choices
    ]
    context = {
        "columns": columns,
        "stage_choices": LeadStage.choices,
        "sources": dict(Source.choices),
        "today": timezone.localdate(),
    }
    return render(request, "clients/leads.html", context)


# --- Follow-up tasks ----------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = selectors.tasks_for(user=request.user)
    page = Paginator(tasks, TASKS_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "clients/tasks.html",
        {
            "page": page,
            "today": today,
            "overdue": sum(1 for task in page if task.due_date < today),
        },
    )


@require_POST
@role_required(*STAFF)
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    done = request.POST.get("done", "1") == "1"
    try:
        task = services.task_complete(actor=request.user, task_id=task_id, done=done)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"“{task.title}” {'done' if done else 'reopened'}.")
    return redirect(_back(request, reverse("clients:tasks")))


# --- The client's own profile --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_profile(request: HttpRequest) -> HttpResponse:
    client = selectors.client_of_user(request.user)
    if client is None:
        return render(request, "clients/portal_profile.html", {"client": None}, status=200)
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        initial={"email_consent": client.email_consent, "sms_consent": client.sms_consent},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.client_set_own_consent(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your choices are saved.")
        return redirect("clients:portal-profile")
    context = {
        "client": client,
        "form": form,
        "trainers": list(trainer_selectors.visible_trainers(request.user).select_related("user")),
    }
    return render(request, "clients/portal_profile.html", context)
