"""Merging a duplicate into a client: find it, compare the two field by field, fold it in."""

from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.views.decorators.http import require_http_methods

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.forms import MergeSearchForm
from fitnesscrm.clients.models import HEALTH_FIELDS
from fitnesscrm.clients.templatetags.clients_tags import phone as format_phone
from fitnesscrm.clients.views._common import DESK, _client_or_404, _detail_url
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.permissions import role_required

MERGE_CANDIDATES = 10


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
