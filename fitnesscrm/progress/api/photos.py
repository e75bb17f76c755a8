"""/api/v1/photos: progress photos (multipart upload), list, read, delete, and the file itself.

The same rule as the pages: owners and managers see every client's photos, a trainer
those of their clients, a client their own; anything else is 404. The picture is
checked by its content, re-encoded and stripped of EXIF/GPS before it is kept.
"""

import hashlib
from datetime import date, datetime
from typing import Literal

from django.urls import reverse
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.api_helpers import PageParams, invalid, missing, page, text, utc
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.progress.models import Pose, ProgressPhoto
from fitnesscrm.progress.selectors import photos as selectors
from fitnesscrm.progress.services import photos as services
from fitnesscrm.progress.storage import content_type, photo_response

router = Router(tags=["Progress"])

PoseName = Literal[tuple(Pose.values)]  # type: ignore[valid-type]


class PhotoOut(Schema):
    id: int
    client_id: int
    pose: PoseName
    taken_on: date
    notes: str
    width: int
    height: int
    size_bytes: int
    content_type: str
    uploaded_at: datetime
    file_url: str = Field(
        description="The picture, served after the same permission check (signed-in session)."
    )
    thumbnail_url: str = Field(description="A version at most 480 px a side (signed-in session).")
    api_file_url: str = Field(description="The picture through the API (API key or session).")


class PhotoPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PhotoOut]


def photo_out(photo: ProgressPhoto) -> dict:
    return {
        "id": photo.pk,
        "client_id": photo.client_id,
        "pose": photo.pose,
        "taken_on": photo.taken_on,
        "notes": photo.notes,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
        "content_type": content_type(photo.image.name) or "application/octet-stream",
        "uploaded_at": utc(photo.created_at),
        "file_url": reverse("photos:file", args=[photo.pk]),
        "thumbnail_url": reverse("photos:thumbnail", args=[photo.pk]),
        "api_file_url": reverse("api:photo_file", args=[photo.pk]),
    }


class PhotoFilters(PageParams):
    client_id: int | None = Field(None, description="Only this client's photos.")
    pose: PoseName | None = None
    taken_on: date | None = Field(None, description="Only the photos of this date.")


@router.get("/photos", response=PhotoPage, summary="Progress photos the caller may see")
def photo_list(request, filters: Query[PhotoFilters]):
    """Newest date first, then front, side, back. A client sees their own photos; a trainer
    those of their clients; owners and managers every client's. A `client_id` the caller
    may not see answers 404."""
    user = request.auth
    if filters.client_id is not None:
        try:
            photos = selectors.client_photos(user=user, client_id=filters.client_id)
        except NotFound as exc:
            raise NotFound(
                "No such client.",
                errors=[{"field": "client_id", "location": "query", "message": "No such client."}],
            ) from exc
    else:
        photos = selectors.visible_photos(user).order_by("-taken_on", "pose", "-id")
    if filters.pose:
        photos = photos.filter(pose=filters.pose)
    if filters.taken_on:
        photos = photos.filter(taken_on=filters.taken_on)
    return page(photos, filters, lambda rows: [photo_out(p) for p in rows])


class PhotoIn(Schema):
    client_id: int | None = Field(
        None, description="Required for staff; a client uploads their own and may leave it out."
    )
    pose: PoseName
    taken_on: date = Field(description="The day the photo was taken; not in the future.")
    notes: text(services.NOTES_MAX_LENGTH) = ""


def _client(user, client_id: int | None):
    if client_id is None:
        own = client_of_user(user)
        if own is None:
            raise invalid("client_id", "Choose the client the photo is of.")
        return own
    try:
        return selectors.photo_client(user=user, client_id=client_id)
    except NotFound as exc:
        raise missing("client_id", "No such client.") from exc


def _digest(upload: UploadedFile) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


@router.post(
    "/photos",
    response={201: PhotoOut},
    summary="Upload a progress photo (multipart/form-data)",
)
def photo_create(
    request,
    payload: Form[PhotoIn],
    file: File[UploadedFile],
    idempotency_key: str | None = Header(
        None,
        alias=HEADER,
        description=(
            "Up to 255 characters. The same key, fields and file within 24 hours answer the "
            "first status and body again and never store the photo twice; the same key with "
            "another request answers 422 idempotency_key_reused."
        ),
    ),
):
    """201 with the photo. The `file` must be a JPEG, PNG or WebP picture by its content
    (its name and declared type do not count) of at most 10 MB and 40 megapixels; it is
    re-encoded (at most 2048 px a side) without EXIF, GPS or any other metadata.

    A file over 10 MB answers 413 payload_too_large; a file that is not a picture, or one
    with too many pixels, 422 naming `file`; a client without consent to health data
    being recorded, 400 consent_required. Nothing is stored when the upload is refused.
    """
    user = request.auth

    def run() -> tuple[int, dict]:
        client = _client(user, payload.client_id)
        photo = services.photo_upload(
            actor=user,
            client=client,
            upload=file,
            pose=payload.pose,
            taken_on=payload.taken_on,
            notes=payload.notes,
        )
        return 201, PhotoOut(**photo_out(photo)).model_dump()

    return idempotent(
        request,
        scope="photos.create",
        key=idempotency_key,
        payload={**payload.model_dump(mode="json"), "file_sha256": _digest(file)},
        run=run,
    )


@router.get("/photos/{photo_id}", response=PhotoOut, summary="One progress photo")
def photo_get(request, photo_id: int):
    return photo_out(selectors.photo_get(user=request.auth, photo_id=photo_id))


@router.delete("/photos/{photo_id}", response={204: None}, summary="Delete a progress photo")
def photo_delete(request, photo_id: int):
    """The file is deleted from the storage once the deletion is committed."""
    user = request.auth
    photo = selectors.photo_get(user=user, photo_id=photo_id)
    services.photo_delete(actor=user, photo=photo)
    return Status(204, None)


@router.get(
    "/photos/{photo_id}/file",
    url_name="photo_file",
    summary="The picture of a progress photo",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The picture (JPEG, PNG or WebP), inline, never cached.",
                "content": {
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/webp": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def photo_file(request, photo_id: int):
    return photo_response(selectors.photo_get(user=request.auth, photo_id=photo_id))
