"""Pages of progress photos: a client's gallery, upload, the comparison of two dates, the files.

Staff who coach (owners, managers, the client's trainer) use the pages under
client/<id>/; a client uses mine/ for their own. The files are served only here,
after the same check, never by the web server from the disk.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients.consent import has_health_consent
from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.pages import apply_errors, found_or_404, refuse
from fitnesscrm.core.permissions import role_of, role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.progress.forms.photos import CompareForm, PhotoUploadForm
from fitnesscrm.progress.selectors import photos as selectors
from fitnesscrm.progress.services import photos as services
from fitnesscrm.progress.storage import photo_response, thumbnail_response
from fitnesscrm.training.access import COACHING_ROLES, TRAINING_ROLES

COACHES = tuple(COACHING_ROLES)
EVERYONE = tuple(TRAINING_ROLES)
PER_PAGE = 36


def _own_client(request: HttpRequest) -> Client:
    client = client_of_user(request.user)
    if client is None:
        raise Http404("There is no client record for this login.")
    return client


def _links(client: Client, *, own: bool) -> dict:
    if own:
        return {
            "gallery_url": reverse("photos:mine"),
            "upload_url": reverse("photos:mine-upload"),
            "compare_url": reverse("photos:mine-compare"),
        }
    return {
        "gallery_url": reverse("photos:gallery", args=[client.pk]),
        "upload_url": reverse("photos:upload", args=[client.pk]),
        "compare_url": reverse("photos:compare", args=[client.pk]),
    }


# --- Gallery ----------------------------------------------------------------------------------


def _gallery(request: HttpRequest, client: Client, *, own: bool) -> HttpResponse:
    paginator = Paginator(selectors.photos_of(client), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    dates = selectors.dates_of(client)
    context = {
        "client": client,
        "own": own,
        "page": page,
        "dates": dates,
        "consent": has_health_consent(client),
        "compare_form": CompareForm(dates=dates, initial=_default_pair(dates)),
        **_links(client, own=own),
    }
    return render(request, "progress/photos/gallery.html", context)


@require_GET
@role_required(*COACHES)
def gallery(request: HttpRequest, client_id: int) -> HttpResponse:
    client = found_or_404(selectors.photo_client, user=request.user, client_id=client_id)
    return _gallery(request, client, own=False)


@require_GET
@role_required(Role.CLIENT)
def mine(request: HttpRequest) -> HttpResponse:
    return _gallery(request, _own_client(request), own=True)


# --- Upload -----------------------------------------------------------------------------------


def _upload(request: HttpRequest, client: Client, *, own: bool) -> HttpResponse:
    consent = has_health_consent(client)
    posted = request.method == "POST"
    form = PhotoUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            photo = services.photo_upload(
                actor=request.user,
                client=client,
                upload=data["file"],
                pose=data["pose"],
                taken_on=data["taken_on"],
                notes=data["notes"],
            )
        except ApplicationError as exc:
            refuse(exc)
            if exc.code == "consent_required":
                consent = False
            apply_errors(form, exc)
        else:
            messages.success(request, f"{photo.get_pose_display()} photo added.")
            return redirect(_links(client, own=own)["gallery_url"])
    context = {"client": client, "own": own, "form": form, "consent": consent}
    context.update(_links(client, own=own))
    status = 400 if form.errors else 200
    return render(request, "progress/photos/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def upload(request: HttpRequest, client_id: int) -> HttpResponse:
    client = found_or_404(selectors.photo_client, user=request.user, client_id=client_id)
    return _upload(request, client, own=False)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def mine_upload(request: HttpRequest) -> HttpResponse:
    return _upload(request, _own_client(request), own=True)


# --- Comparison -------------------------------------------------------------------------------


def _default_pair(dates) -> dict:
    """The oldest and the newest date: the whole way so far."""
    if not dates:
        return {}
    return {"first": dates[-1].day.isoformat(), "second": dates[0].day.isoformat()}


def _compare(request: HttpRequest, client: Client, *, own: bool) -> HttpResponse:
    dates = selectors.dates_of(client)
    asked = "first" in request.GET or "second" in request.GET
    data = request.GET if asked else _default_pair(dates)
    form = CompareForm(data or None, dates=dates)
    rows = first = second = None
    if form.is_bound and form.is_valid():
        first, second = sorted((form.cleaned_data["first"], form.cleaned_data["second"]))
        rows = selectors.comparison_of(client, first=first, second=second)
    context = {
        "client": client,
        "own": own,
        "form": form,
        "dates": dates,
        "rows": rows,
        "first": first,
        "second": second,
        **_links(client, own=own),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "progress/photos/compare.html", context, status=status)


@require_GET
@role_required(*COACHES)
def compare(request: HttpRequest, client_id: int) -> HttpResponse:
    client = found_or_404(selectors.photo_client, user=request.user, client_id=client_id)
    return _compare(request, client, own=False)


@require_GET
@role_required(Role.CLIENT)
def mine_compare(request: HttpRequest) -> HttpResponse:
    return _compare(request, _own_client(request), own=True)


# --- One photo --------------------------------------------------------------------------------


@require_GET
@role_required(*EVERYONE)
def photo_file(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The photo itself, only to who may see the client's health data."""
    photo = found_or_404(selectors.photo_get, user=request.user, photo_id=photo_id)
    return photo_response(photo)


@require_GET
@role_required(*EVERYONE)
def photo_thumbnail(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = found_or_404(selectors.photo_get, user=request.user, photo_id=photo_id)
    return thumbnail_response(photo)


@require_POST
@role_required(*EVERYONE)
def photo_delete(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = found_or_404(selectors.photo_get, user=request.user, photo_id=photo_id)
    try:
        services.photo_delete(actor=request.user, photo=photo)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        day = dateformat.format(photo.taken_on, "j M Y")
        messages.success(request, f"{photo.get_pose_display()} photo of {day} deleted.")
    own = role_of(request.user) == Role.CLIENT
    return redirect(_links(photo.client, own=own)["gallery_url"])
