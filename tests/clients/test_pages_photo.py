"""A client's photo: uploaded with the form, cleaned of EXIF, served only to who may see it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fitnesscrm.clients.models import Client
from fitnesscrm.core.models import AuditEntry
from tests.factories import ClientFactory

GPS_IFD = 0x8825
MAKE = 0x010F


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_with_location(size=(64, 48)) -> SimpleUploadedFile:
    """A JPEG as a phone makes it: camera make and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert b"PhoneCam" in data
    return SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg")


def stored(client: Client) -> Image.Image:
    client.refresh_from_db()
    with client.photo.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_photo_added_with_the_new_client_form_loses_its_location_and_camera_data(
    front_desk, login
):
    response = login(front_desk).post(
        "/clients/new/",
        {"first_name": "Ana", "status": "lead", "source": "other", "photo": jpeg_with_location()},
    )

    assert response.status_code == 302
    client = Client.objects.get()
    image = stored(client)
    assert image.size == (64, 48)
    assert not image.getexif()
    assert "IMG_0001" not in client.photo.name  # stored under a random name
    assert AuditEntry.objects.filter(action="client.photo").exists()


def test_a_large_photo_is_made_at_most_1024_pixels(front_desk, login):
    client = ClientFactory()

    login(front_desk).post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Ana", "source": "other", "photo": jpeg_with_location((3000, 2000))},
    )

    assert max(stored(client).size) == 1024


def test_a_file_that_is_not_a_picture_is_refused_at_the_field_and_nothing_is_saved(
    front_desk, login
):
    fake = SimpleUploadedFile("cv.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")

    response = login(front_desk).post(
        "/clients/new/", {"first_name": "Ana", "status": "lead", "source": "other", "photo": fake}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_photo_error"' in body
    assert "not a picture we can read" in body
    assert not Client.objects.exists()
    assert 'value="Ana"' in body


def test_the_photo_can_be_removed(front_desk, login):
    client = ClientFactory()
    browser = login(front_desk)
    browser.post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Ana", "source": "other", "photo": jpeg_with_location()},
    )
    client.refresh_from_db()
    path = client.photo.path

    form = browser.get(f"/clients/{client.pk}/edit/").content.decode()
    browser.post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Ana", "source": "other", "remove_photo": "on"},
    )

    assert 'name="remove_photo"' in form
    client.refresh_from_db()
    assert not client.photo
    assert path  # the old file is deleted once the change is committed


@pytest.fixture
def with_photo(front_desk, login, assigned_client):
    login(front_desk).post(
        f"/clients/{assigned_client.pk}/edit/",
        {"first_name": "Ada", "source": "other", "photo": jpeg_with_location()},
    )
    return assigned_client


@pytest.mark.parametrize("role", ["owner", "manager", "front_desk", "trainer"])
def test_staff_who_see_the_client_get_the_photo(role, with_photo, request, login):
    browser = login(request.getfixturevalue(role))

    response = browser.get(f"/clients/{with_photo.pk}/photo/")
    record = browser.get(f"/clients/{with_photo.pk}/").content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert 'data-testid="client-photo"' in record


def test_a_client_gets_their_own_photo_and_nobody_elses(with_photo, client_user, login):
    Client.objects.filter(pk=with_photo.pk).update(user=client_user)

    assert login(client_user).get(f"/clients/{with_photo.pk}/photo/").status_code == 200


@pytest.mark.parametrize("role", ["outsider", "client_user"])
def test_the_photo_of_someone_else_is_a_404(role, with_photo, request, login):
    response = login(request.getfixturevalue(role)).get(f"/clients/{with_photo.pk}/photo/")

    assert response.status_code == 404


def test_a_trainer_of_other_clients_gets_a_404_for_the_photo(with_photo, login):
    from tests.factories import TrainerFactory

    stranger = TrainerFactory().user

    assert login(stranger).get(f"/clients/{with_photo.pk}/photo/").status_code == 404


def test_the_photo_is_not_served_to_anonymous_visitors(with_photo):
    from django.test import Client as Browser

    response = Browser().get(f"/clients/{with_photo.pk}/photo/")

    assert response.status_code == 302


def test_a_client_without_a_photo_has_no_photo_address(owner, login):
    client = ClientFactory()

    assert login(owner).get(f"/clients/{client.pk}/photo/").status_code == 404
