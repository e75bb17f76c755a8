"""What is kept of an upload: a clean re-encoding, or nothing at all with a clear message."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.progress.models import ProgressPhoto
from fitnesscrm.progress.services import photos as services
from fitnesscrm.progress.storage import photo_storage
from tests.factories import give_health_consent
from tests.progress.photos.conftest import (
    GPS_IFD,
    MB,
    add_photo,
    days_ago,
    jpeg_of_exactly,
    jpeg_with_location,
    pdf_named_jpg,
    png_bomb,
    png_with_text,
    script_named_jpg,
    stored_files,
)

pytestmark = pytest.mark.django_db


def upload(actor, client, file, **fields):
    values = {"pose": "front", "taken_on": timezone.localdate(), "notes": ""} | fields
    return services.photo_upload(actor=actor, client=client, upload=file, **values)


def read_back(photo) -> tuple[bytes, Image.Image]:
    with photo_storage().open(photo.image.name, "rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    return data, image


def test_a_phone_jpeg_is_kept_without_its_gps_position_or_camera_data(trainer, consented, media):
    photo = upload(trainer, consented, jpeg_with_location())

    data, image = read_back(photo)
    assert image.format == "JPEG"
    assert image.size == (64, 48) == (photo.width, photo.height)
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in data and b"PhoneCam" not in data
    assert "IMG_0001" not in photo.image.name  # a random name, never the uploader's
    assert photo.image.name.startswith("progress/photos/") and photo.image.name.endswith(".jpg")
    assert photo.size_bytes == len(data)
    assert photo.uploaded_by == trainer


def test_a_png_loses_its_text_chunks(trainer, consented):
    photo = upload(trainer, consented, png_with_text())

    data, image = read_back(photo)
    assert image.format == "PNG"
    assert b"Home Street" not in data and b"GPS" not in data
    assert b"tEXt" not in data and b"iTXt" not in data
    assert photo.image.name.endswith(".png")


def test_a_large_photo_is_made_at_most_2048_pixels_a_side(trainer, consented):
    photo = upload(trainer, consented, jpeg_with_location((4000, 3000)))

    assert read_back(photo)[1].size == (2048, 1536)


@pytest.mark.parametrize(
    "file",
    [pdf_named_jpg, script_named_jpg],
    ids=["a PDF renamed .jpg", "a shell script renamed .jpg"],
)
def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(trainer, consented, media, file):
    with pytest.raises(ApplicationError) as refused:
        upload(trainer, consented, file())

    assert refused.value.errors[0]["field"] == "file"
    assert "not a picture we can read" in refused.value.message
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_decompression_bomb_is_refused_before_it_is_decoded(trainer, consented, media):
    with pytest.raises(ApplicationError) as refused:
        upload(trainer, consented, png_bomb(20000, 20000))

    assert refused.value.errors[0]["field"] == "file"
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_picture_of_more_than_40_megapixels_is_refused_with_that_reason(trainer, consented):
    with pytest.raises(ApplicationError, match="too many pixels"):
        upload(trainer, consented, png_bomb(9000, 5000))

    assert not ProgressPhoto.objects.exists()


def test_a_photo_of_exactly_10_mb_is_accepted(trainer, consented):
    photo = upload(trainer, consented, jpeg_of_exactly(10 * MB))

    assert photo.width == 32


def test_a_photo_one_byte_over_10_mb_is_refused_and_nothing_is_stored(trainer, consented, media):
    with pytest.raises(services.PhotoTooLarge, match="larger than 10 MB") as refused:
        upload(trainer, consented, jpeg_of_exactly(10 * MB + 1))

    assert refused.value.status == 413
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_no_photo_is_recorded_without_the_clients_consent_to_health_data(trainer, gym, media):
    with pytest.raises(ApplicationError) as refused:
        upload(trainer, gym.member, jpeg_with_location())

    assert refused.value.code == "consent_required"
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_date_in_the_future_is_refused(trainer, consented, media):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)

    with pytest.raises(ApplicationError) as refused:
        upload(trainer, consented, jpeg_with_location(), taken_on=tomorrow)

    assert refused.value.errors == [
        {"field": "taken_on", "message": "The date cannot be in the future."}
    ]
    assert stored_files(media) == []


def test_a_trainer_cannot_upload_a_photo_of_another_trainers_client(trainer, gym, media):
    give_health_consent(gym.stranger)

    with pytest.raises(NotFound):
        upload(trainer, gym.stranger, jpeg_with_location())

    assert stored_files(media) == []


def test_the_front_desk_cannot_upload_photos(front_desk, consented, media):
    with pytest.raises(NotFound):
        upload(front_desk, consented, jpeg_with_location())


def test_a_client_uploads_their_own_photo_but_not_anothers(client_user, outsider, consented, gym):
    give_health_consent(gym.outsider_record)

    assert upload(client_user, consented, jpeg_with_location()).client == consented
    with pytest.raises(NotFound):
        upload(outsider, consented, jpeg_with_location())


def test_when_the_row_cannot_be_written_the_file_is_deleted_again(
    trainer, consented, media, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "audit_record", broken)

    with pytest.raises(RuntimeError):
        upload(trainer, consented, jpeg_with_location())

    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_an_upload_is_audited_without_any_image_data(trainer, consented):
    photo = upload(trainer, consented, jpeg_with_location(), notes="Week 1, morning")

    entry = AuditEntry.objects.get(action="progress_photo.upload")
    assert entry.object_id == str(photo.pk)
    assert entry.changes == {
        "client": consented.pk,
        "fields": ["pose", "taken_on", "photo", "notes"],
    }
    assert "Week 1" not in str(entry.changes)


def test_a_deleted_photos_file_goes_once_the_deletion_is_committed(
    trainer, consented, media, django_capture_on_commit_callbacks
):
    photo = add_photo(consented)
    assert len(stored_files(media)) == 1

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.photo_delete(actor=trainer, photo=photo)
    assert not ProgressPhoto.objects.exists()
    assert len(stored_files(media)) == 1  # not yet: the deletion could still be rolled back

    for callback in callbacks:
        callback()
    assert stored_files(media) == []
    assert AuditEntry.objects.filter(action="progress_photo.delete").exists()


def test_another_trainer_cannot_delete_a_photo(gym, consented, media):
    photo = add_photo(consented)

    with pytest.raises(NotFound):
        services.photo_delete(actor=gym.other_coach.user, photo=photo)

    assert ProgressPhoto.objects.filter(pk=photo.pk).exists()


def test_merging_two_client_records_gives_the_duplicates_photos_to_the_survivor(gym):
    photo = add_photo(gym.stranger, taken_on=days_ago(3))

    services.photos_merge(duplicate=gym.stranger, survivor=gym.member)

    photo.refresh_from_db()
    assert photo.client == gym.member


def test_erasing_a_clients_photos_deletes_their_files_after_commit(
    consented, gym, media, django_capture_on_commit_callbacks
):
    add_photo(consented)
    add_photo(consented, pose="side")
    kept = add_photo(gym.stranger)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.photos_erase(client=consented) == 2

    assert list(ProgressPhoto.objects.all()) == [kept]
    assert len(stored_files(media)) == 1


def test_the_upload_page_shows_a_file_that_is_not_a_picture_at_the_field(trainer, consented, login):
    response = login(trainer).post(
        reverse("photos:upload", args=[consented.pk]),
        {"pose": "front", "taken_on": timezone.localdate().isoformat(), "file": pdf_named_jpg()},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "not a picture we can read" in form.errors["file"][0]
    assert b"not a picture we can read" in response.content
    assert not ProgressPhoto.objects.exists()


def test_a_50_mb_photo_sent_with_the_form_gets_the_form_again_and_nothing_is_stored(
    client_user, consented, login, media
):
    huge = jpeg_of_exactly(50 * MB)

    response = login(client_user).post(
        reverse("photos:mine-upload"),
        {"pose": "front", "taken_on": timezone.localdate().isoformat(), "file": huge},
    )

    assert response.status_code == 400
    assert "larger than 10 MB" in response.context["form"].errors["file"][0]
    assert b'data-testid="upload-form"' in response.content
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_photo_of_exactly_10_mb_is_accepted_by_the_upload_form(client_user, consented, login):
    response = login(client_user).post(
        reverse("photos:mine-upload"),
        {
            "pose": "back",
            "taken_on": timezone.localdate().isoformat(),
            "file": jpeg_of_exactly(10 * MB),
        },
    )

    assert response.status_code == 302
    assert ProgressPhoto.objects.get().pose == "back"
