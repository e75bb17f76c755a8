"""Progress photos: upload (checked, re-encoded, stripped of metadata), delete, merge.

A photo is health data: it is recorded only while the client's consent to health data
is in force, by someone who may see the client's health data (owners, managers, the
client's trainer) or by the client themselves. The file goes through `photo_storage()`
(the local disk, or S3 when configured) and never keeps the uploader's file name.

No file is left without its row: the picture is checked and re-encoded before anything
is written, saved, and deleted again if the row cannot be written. A deleted photo's
file goes once the deletion is committed.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.consent import health_consent_require
from fitnesscrm.clients.models import Client
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.images import clean_image
from fitnesscrm.progress.models import Pose, ProgressPhoto
from fitnesscrm.progress.storage import FOLDER, photo_storage
from fitnesscrm.training.access import coached_clients

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 2048
NOTES_MAX_LENGTH = 500


class PhotoTooLarge(ApplicationError):
    """A picture over the size limit: 413 in the API, the message at the field on a page."""

    status = 413
    code = "payload_too_large"


def _field_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid", errors=[{"field": field, "message": message}])


def _check_visible(actor, client: Client) -> None:
    if not coached_clients(actor).filter(pk=client.pk).exists():
        raise NotFound("No such client.")


def _check_fields(*, pose: str, taken_on, notes: str) -> str:
    errors = []
    if pose not in Pose.values:
        errors.append({"field": "pose", "message": "Choose front, side or back."})
    if not isinstance(taken_on, date):
        errors.append({"field": "taken_on", "message": "Enter the date the photo was taken."})
    elif taken_on > timezone.localdate():
        errors.append({"field": "taken_on", "message": "The date cannot be in the future."})
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        message = f"Notes are at most {NOTES_MAX_LENGTH} characters."
        errors.append({"field": "notes", "message": message})
    if errors:
        message = errors[0]["message"] if len(errors) == 1 else "Some fields are not valid."
        raise ApplicationError(message, code="invalid", errors=errors)
    return notes


def _check_size(upload) -> None:
    size = getattr(upload, "size", None)
    if size is not None and size > PHOTO_MAX_BYTES:
        message = "The picture is larger than 10 MB: choose a smaller photo."
        raise PhotoTooLarge(message, errors=[{"field": "file", "message": message}])


def photo_upload(
    *, actor, client: Client, upload, pose: str, taken_on: date, notes: str = ""
) -> ProgressPhoto:
    """Record a progress photo of `client`; the stored file is a clean re-encoding of `upload`.

    Refused: a client the actor may not see (NotFound), no consent to health data
    ("consent_required"), a file over 10 MB (PhotoTooLarge), anything that is not a JPEG,
    PNG or WebP picture by its content, a picture over 40 megapixels, a date in the future.
    """
    _check_visible(actor, client)
    health_consent_require(client)
    notes = _check_fields(pose=pose, taken_on=taken_on, notes=notes)
    if upload is None:
        raise _field_error("file", "Choose a photo to upload.")
    _check_size(upload)
    cleaned = clean_image(upload, field="file", max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE)
    storage = photo_storage()
    name = storage.save(f"{FOLDER}/{cleaned.content.name}", cleaned.content)
    try:
        with transaction.atomic():
            # Consent checked again under a lock: a withdrawal racing the upload wins.
            Client.objects.select_for_update().only("pk").get(pk=client.pk)
            health_consent_require(client)
            photo = ProgressPhoto.objects.create(
                client=client,
                taken_on=taken_on,
                pose=pose,
                image=name,
                width=cleaned.width,
                height=cleaned.height,
                size_bytes=cleaned.content.size,
                notes=notes,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                action="progress_photo.upload",
                target=photo,
                changes={"client": client.pk, "fields": ["pose", "taken_on", "photo", "notes"]},
            )
    except BaseException:
        storage.delete(name)
        raise
    return photo


@transaction.atomic
def photo_delete(*, actor, photo: ProgressPhoto) -> None:
    """Delete the photo; its file is deleted once the deletion is committed."""
    _check_visible(actor, photo.client)
    name = photo.image.name
    photo_id = photo.pk
    label = str(photo)
    ProgressPhoto.objects.filter(pk=photo_id).delete()
    if name:
        storage = photo_storage()
        transaction.on_commit(lambda: storage.delete(name))
    audit_record(
        actor=actor,
        action="progress_photo.delete",
        object_type=ProgressPhoto._meta.label_lower,
        object_id=str(photo_id),
        object_label=label,
        changes={"client": photo.client_id, "fields": ["photo"]},
    )


def photos_erase(*, client: Client) -> int:
    """Delete every photo of `client` (rows now, files once committed); how many.

    For erasure and withdrawn consent, inside the caller's transaction.
    """
    photos = list(ProgressPhoto.objects.filter(client=client).values_list("pk", "image"))
    ProgressPhoto.objects.filter(pk__in=[pk for pk, _ in photos]).delete()
    names = [name for _, name in photos if name]
    if names:
        storage = photo_storage()

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return len(photos)


def photos_merge(*, duplicate: Client, survivor: Client) -> None:
    """Give the duplicate's photos to the survivor (inside client_merge's transaction)."""
    ProgressPhoto.objects.filter(client=duplicate).update(client=survivor)
