"""Where progress photos are kept, and how they are served.

The `progress_photos` storage when it is configured, else the default storage.

The default storage is the local disk under MEDIA_ROOT, which the web server never
serves by itself; with S3 configured, the bucket is private. Either way the files
reach a browser only through the permission-checked views, which read them through
this storage.
"""

import io

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.http import FileResponse, Http404, HttpResponse
from PIL import Image

ALIAS = "progress_photos"
# Folder of the photos inside the storage; the file name is random.
FOLDER = "progress/photos"

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def photo_storage() -> Storage:
    """The storage that holds progress photos."""
    if ALIAS in settings.STORAGES:
        return storages[ALIAS]
    return default_storage


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def content_type(name: str) -> str | None:
    """The stored picture's type, from the extension its re-encoding gave it."""
    return CONTENT_TYPES.get(extension(name))


# --- Serving ----------------------------------------------------------------------------------

THUMBNAIL_SIDE = 480


def _headers(response, photo, *, suffix: str = "") -> None:
    ext = extension(photo.image.name)
    filename = f"{photo.pose}-{photo.taken_on.isoformat()}{suffix}.{ext}"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"


def _open(photo):
    """The stored file of `photo`, or Http404 when it has none or the storage lost it."""
    name = photo.image.name
    if not name or content_type(name) is None:
        raise Http404("No such photo.")
    try:
        return photo_storage().open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("No such photo.") from exc


def photo_response(photo) -> FileResponse:
    """The photo's file, streamed from the storage (the same for the disk and for S3).

    Call it only with a photo a selector returned for the acting user.
    """
    handle = _open(photo)
    response = FileResponse(handle, content_type=content_type(photo.image.name))
    _headers(response, photo)
    return response


def thumbnail_response(photo) -> HttpResponse:
    """A small version of the photo (at most 480 px a side) for galleries."""
    handle = _open(photo)
    try:
        with handle, Image.open(handle) as image:
            if image.format == "JPEG":
                image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # decode at a smaller scale
            image.load()
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            out = io.BytesIO()
            image.save(out, format=image.format or "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Http404("No such photo.") from exc
    response = HttpResponse(out.getvalue(), content_type=content_type(photo.image.name))
    _headers(response, photo, suffix="-small")
    return response
