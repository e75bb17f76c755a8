"""A client record as a whole: create, edit, the photo, archive and restore, and the
invitation to the client portal."""

import mimetypes

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.forms import ClientForm
from fitnesscrm.clients.views._common import (
    DESK,
    STAFF,
    _client_or_404,
    _detail_url,
)
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors
from fitnesscrm.core.permissions import role_required, sees_all_clients
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers import selectors as trainer_selectors

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
    trainers = trainer_selectors.trainer_choices(user) if sees_all_clients(user) else None
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
    # Personal data: kept in no cache, the browser's included.
    response["Cache-Control"] = "private, no-store"
    return response


# --- Archive, restore, invite ---------------------------------------------------------------


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
