"""/api/v1/photos for each role: multipart upload, list, read, delete, and the file."""

import io

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from fitnesscrm.accounts import services as account_services
from fitnesscrm.progress.models import ProgressPhoto
from tests.factories import give_health_consent
from tests.progress.photos.conftest import (
    MB,
    ROLES,
    add_photo,
    days_ago,
    jpeg_of_exactly,
    jpeg_with_location,
    pdf_named_jpg,
    png_bomb,
    script_named_jpg,
    stored_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people, login):
    """`api(role)`: staff present an API key; clients use their signed-in session."""

    def _api(role) -> Client:
        user = people[role]
        if user is None:
            return Client()
        if user.role == "client":
            return login(user)
        _key, raw = account_services.api_key_create(user=user, name="Tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return _api


def answers(*codes) -> dict:
    return dict(zip(ROLES, codes, strict=True))


def form(client_id=None, file=None, **fields) -> dict:
    data = {"pose": "front", "taken_on": timezone.localdate().isoformat()} | fields
    if client_id is not None:
        data["client_id"] = client_id
    data["file"] = file if file is not None else jpeg_with_location()
    return data


CREATE = answers(201, 201, 201, 404, 404, 201, 404, 401)
READ = answers(200, 200, 200, 404, 404, 200, 404, 401)
DELETE = answers(204, 204, 204, 404, 404, 204, 404, 401)


@pytest.mark.parametrize("role", ROLES)
def test_uploading_a_photo_of_a_client_answers_each_role(api, consented, role, media):
    response = api(role).post("/api/v1/photos", form(consented.pk))

    assert response.status_code == CREATE[role], response.content
    if CREATE[role] == 201:
        body = response.json()
        photo = ProgressPhoto.objects.get()
        assert body["id"] == photo.pk and body["client_id"] == consented.pk
        assert body["content_type"] == "image/jpeg"
        assert body["file_url"] == f"/progress/photos/{photo.pk}/file/"
        assert body["api_file_url"] == f"/api/v1/photos/{photo.pk}/file"
    else:
        assert set(response.json()) == {"detail", "code", "errors"}
        assert not ProgressPhoto.objects.exists()
        assert stored_files(media) == []


def test_a_client_may_leave_the_client_out_and_uploads_their_own(api, consented):
    response = api("client").post("/api/v1/photos", form())

    assert response.status_code == 201
    assert response.json()["client_id"] == consented.pk


def test_staff_must_name_the_client(api, consented):
    response = api("trainer").post("/api/v1/photos", form())

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "client_id"


@pytest.mark.parametrize(
    "file",
    [pdf_named_jpg, script_named_jpg, lambda: png_bomb(20000, 20000)],
    ids=["a PDF renamed .jpg", "a script renamed .jpg", "a decompression bomb"],
)
def test_a_file_that_is_not_a_usable_picture_is_422_naming_the_file(api, consented, media, file):
    response = api("trainer").post("/api/v1/photos", form(consented.pk, file()))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "file"
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_50_mb_upload_is_413_in_the_common_error_shape_and_nothing_is_stored(
    api, consented, media
):
    response = api("trainer").post("/api/v1/photos", form(consented.pk, jpeg_of_exactly(50 * MB)))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_missing_file_is_422_naming_it(api, consented):
    data = form(consented.pk)
    del data["file"]

    response = api("trainer").post("/api/v1/photos", data)

    assert response.status_code == 422
    assert "file" in [error["field"] for error in response.json()["errors"]]


def test_an_unknown_pose_and_a_future_date_are_422(api, consented):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()

    pose = api("trainer").post("/api/v1/photos", form(consented.pk, pose="top"))
    future = api("trainer").post("/api/v1/photos", form(consented.pk, taken_on=tomorrow))

    assert pose.status_code == 422 and pose.json()["errors"][0]["field"] == "pose"
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "taken_on"
    assert not ProgressPhoto.objects.exists()


def test_without_consent_the_upload_is_refused_and_nothing_is_stored(api, gym, media):
    response = api("trainer").post("/api/v1/photos", form(gym.member.pk))

    assert response.status_code == 400
    assert response.json()["code"] == "consent_required"
    assert stored_files(media) == []


def test_the_same_idempotency_key_stores_the_photo_once(api, consented, media):
    browser = api("trainer")
    data = jpeg_with_location().read()

    def send():
        from django.core.files.uploadedfile import SimpleUploadedFile

        file = SimpleUploadedFile("a.jpg", data, content_type="image/jpeg")
        return browser.post(
            "/api/v1/photos", form(consented.pk, file), headers={"Idempotency-Key": "photo-1"}
        )

    first, again = send(), send()

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert ProgressPhoto.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_a_key_reused_with_another_file_is_refused(api, consented):
    browser = api("trainer")
    headers = {"Idempotency-Key": "photo-2"}
    browser.post("/api/v1/photos", form(consented.pk), headers=headers)

    other = jpeg_with_location((20, 20))
    response = browser.post("/api/v1/photos", form(consented.pk, other), headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert ProgressPhoto.objects.count() == 1


LIST_COUNT = answers(2, 2, 2, 0, 0, 2, 0, None)


@pytest.mark.parametrize("role", ROLES)
def test_the_list_holds_only_the_photos_the_caller_may_see(api, consented, gym, role):
    add_photo(consented, taken_on=days_ago(5))
    add_photo(consented, taken_on=days_ago(1))
    stranger = add_photo(gym.stranger)
    outsiders = add_photo(gym.outsider_record)

    response = api(role).get("/api/v1/photos", {"client_id": consented.pk})
    everything = api(role).get("/api/v1/photos")

    if role == "anonymous":
        assert response.status_code == everything.status_code == 401
        return
    if LIST_COUNT[role]:
        assert response.status_code == 200
        assert response.json()["count"] == 2
        assert [i["taken_on"] for i in response.json()["items"]] == [
            days_ago(1).isoformat(),
            days_ago(5).isoformat(),
        ]
    else:
        assert response.status_code == 404
    seen = {item["id"] for item in everything.json()["items"]}
    assert (stranger.pk in seen) == (role in ("owner", "manager", "other_trainer"))
    assert (outsiders.pk in seen) == (role in ("owner", "manager", "outsider"))


def test_the_list_takes_a_fixed_number_of_queries(api, consented, django_assert_max_num_queries):
    browser = api("trainer")
    query = {"client_id": consented.pk, "limit": 100}
    add_photo(consented)
    browser.get("/api/v1/photos", query)  # the key's first use is written down once

    # API key and its user, the client, the page, the count
    with django_assert_max_num_queries(5) as few:
        assert browser.get("/api/v1/photos", query).json()["count"] == 1
    for day in range(1, 40):
        add_photo(consented, taken_on=days_ago(day))
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert browser.get("/api/v1/photos", query).json()["count"] == 40
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_is_paginated_to_at_most_100(api, consented):
    response = api("trainer").get("/api/v1/photos", {"limit": 101})

    assert response.status_code == 422


@pytest.mark.parametrize("role", ROLES)
def test_one_photo_answers_each_role(api, consented, role):
    photo = add_photo(consented)

    response = api(role).get(f"/api/v1/photos/{photo.pk}")

    assert response.status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_file_through_the_api_is_served_only_to_who_may_see_it(api, consented, role):
    photo = add_photo(consented, pose="back", taken_on=days_ago(4))

    response = api(role).get(f"/api/v1/photos/{photo.pk}/file")

    assert response.status_code == READ[role]
    if READ[role] == 200:
        body = b"".join(response.streaming_content)
        assert Image.open(io.BytesIO(body)).format == "JPEG"
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"] == (
            f'inline; filename="back-{days_ago(4).isoformat()}.jpg"'
        )
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.json()["code"] in ("not_found", "not_authenticated")


def test_guessed_photo_ids_are_404_json(api, gym):
    photo = add_photo(gym.stranger)

    for path in (f"/api/v1/photos/{photo.pk}", f"/api/v1/photos/{photo.pk}/file"):
        response = api("trainer").get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert api("trainer").get("/api/v1/photos/999999/file").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_photo_answers_each_role(
    api, consented, role, django_capture_on_commit_callbacks
):
    photo = add_photo(consented)

    with django_capture_on_commit_callbacks(execute=True):
        response = api(role).delete(f"/api/v1/photos/{photo.pk}")

    assert response.status_code == DELETE[role]
    assert ProgressPhoto.objects.filter(pk=photo.pk).exists() == (DELETE[role] != 204)


def test_an_outsider_with_consent_of_their_own_still_cannot_upload_for_another(api, gym, consented):
    give_health_consent(gym.outsider_record)

    response = api("outsider").post("/api/v1/photos", form(consented.pk))

    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "client_id"
