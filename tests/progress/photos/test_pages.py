"""The photo pages for each role: gallery, upload, comparison, the files and their headers."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from fitnesscrm.progress.models import ProgressPhoto
from tests.factories import give_health_consent
from tests.progress.photos.conftest import (
    ROLES,
    add_photo,
    days_ago,
    jpeg_with_location,
    stored_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(people, login, client):
    def _as(role):
        user = people[role]
        return client if user is None else login(user)

    return _as


def answers(*codes) -> dict:
    return dict(zip(ROLES, codes, strict=True))


LOGIN = "login"


def status_of(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/account/login/"):
        return LOGIN
    return response.status_code


STAFF_PAGE = answers(200, 200, 200, 404, 403, 403, 403, LOGIN)
PHOTO = answers(200, 200, 200, 404, 403, 200, 404, LOGIN)
OWN_PAGE = answers(403, 403, 403, 403, 403, 200, 200, LOGIN)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["photos:gallery", "photos:upload", "photos:compare"])
def test_the_pages_about_a_clients_photos_answer_each_role(as_role, consented, role, name):
    add_photo(consented)

    response = as_role(role).get(reverse(name, args=[consented.pk]))

    assert status_of(response) == STAFF_PAGE[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["photos:mine", "photos:mine-upload", "photos:mine-compare"])
def test_a_clients_own_photo_pages_answer_each_role(as_role, consented, role, name):
    response = as_role(role).get(reverse(name))

    assert status_of(response) == OWN_PAGE[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["photos:file", "photos:thumbnail"])
def test_a_photo_file_is_served_only_to_who_may_see_it(as_role, consented, role, name):
    photo = add_photo(consented)

    response = as_role(role).get(reverse(name, args=[photo.pk]))

    assert status_of(response) == PHOTO[role]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if PHOTO[role] == 200:
        assert Image.open(io.BytesIO(body)).format == "JPEG"
    else:
        assert b"\xff\xd8" not in body  # not a byte of the picture


@pytest.mark.parametrize("role", ["trainer", "client", "outsider", "other_trainer"])
def test_guessed_photo_ids_of_other_clients_are_404_with_no_bytes(as_role, gym, role):
    strangers = [add_photo(gym.stranger), add_photo(gym.outsider_record)]
    own = {
        "trainer": set(),
        "client": set(),
        "outsider": {strangers[1].pk},
        "other_trainer": {strangers[0].pk},
    }[role]

    for photo in strangers:
        if photo.pk in own:
            continue
        for url in (
            reverse("photos:file", args=[photo.pk]),
            reverse("photos:thumbnail", args=[photo.pk]),
            reverse("photos:file", args=[photo.pk + 1000]),
        ):
            response = as_role(role).get(url)
            assert response.status_code == 404
            assert not getattr(response, "streaming", False)
            assert b"\xff\xd8" not in response.content


def test_the_file_response_is_private_inline_typed_and_never_sniffed(trainer, consented, login):
    photo = add_photo(consented, pose="side", taken_on=days_ago(2))

    response = login(trainer).get(reverse("photos:file", args=[photo.pk]))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        f'inline; filename="side-{days_ago(2).isoformat()}.jpg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == photo_bytes(photo)


def photo_bytes(photo) -> bytes:
    from fitnesscrm.progress.storage import photo_storage

    with photo_storage().open(photo.image.name, "rb") as handle:
        return handle.read()


def test_the_thumbnail_is_a_small_private_picture(trainer, consented, login):
    photo = add_photo(consented)

    response = login(trainer).get(reverse("photos:thumbnail", args=[photo.pk]))

    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert max(Image.open(io.BytesIO(response.content)).size) <= 480


def test_a_photo_whose_file_is_missing_answers_404(trainer, consented, login, media):
    photo = add_photo(consented)
    for path in stored_files(media):
        path.unlink()

    assert login(trainer).get(reverse("photos:file", args=[photo.pk])).status_code == 404


def test_the_gallery_groups_photos_by_date_newest_first(trainer, consented, login):
    add_photo(consented, pose="front", taken_on=days_ago(30), notes="Start")
    add_photo(consented, pose="back", taken_on=days_ago(0))
    add_photo(consented, pose="front", taken_on=days_ago(0))

    response = login(trainer).get(reverse("photos:gallery", args=[consented.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="photo-day"') == 2
    assert html.index(days_ago(0).isoformat()) < html.index(days_ago(30).isoformat())
    assert html.count('data-testid="photo"') == 3
    assert "Start" in html
    assert 'data-testid="compare-form"' in html
    assert 'data-testid="add-photo"' in html


def test_the_gallery_is_paginated(trainer, consented, login):
    for day in range(40):
        add_photo(consented, taken_on=days_ago(day))

    first = login(trainer).get(reverse("photos:gallery", args=[consented.pk]))
    second = login(trainer).get(reverse("photos:gallery", args=[consented.pk]) + "?page=2")

    assert first.content.decode().count('data-testid="photo"') == 36
    assert second.content.decode().count('data-testid="photo"') == 4


def test_the_gallery_takes_the_same_number_of_queries_however_many_photos(
    trainer, consented, login, django_assert_max_num_queries
):
    browser = login(trainer)
    url = reverse("photos:gallery", args=[consented.pk])
    add_photo(consented)

    # session, user, client, photos: count + page, dates, consent
    with django_assert_max_num_queries(7) as few:
        assert browser.get(url).status_code == 200
    for day in range(1, 40):
        add_photo(consented, taken_on=days_ago(day), pose=["front", "side", "back"][day % 3])
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert browser.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_clients_own_gallery_takes_a_fixed_number_of_queries(
    client_user, consented, login, django_assert_max_num_queries
):
    browser = login(client_user)
    add_photo(consented)

    with django_assert_max_num_queries(7) as few:
        assert browser.get(reverse("photos:mine")).status_code == 200
    for day in range(1, 25):
        add_photo(consented, taken_on=days_ago(day))
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert browser.get(reverse("photos:mine")).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_without_consent_the_pages_say_so_and_offer_no_upload_form(trainer, gym, login):
    browser = login(trainer)

    gallery = browser.get(reverse("photos:gallery", args=[gym.member.pk]))
    form = browser.get(reverse("photos:upload", args=[gym.member.pk]))

    for response in (gallery, form):
        html = response.content.decode()
        assert 'data-testid="no-consent"' in html
        assert "has not agreed to health data being recorded" in html
        assert 'data-testid="upload-form"' not in html
        assert 'data-testid="add-photo"' not in html


def test_the_client_without_consent_is_told_why_they_cannot_add_photos(client_user, gym, login):
    response = login(client_user).get(reverse("photos:mine-upload"))

    assert "You have not agreed" in response.content.decode()
    assert b'data-testid="upload-form"' not in response.content


def test_posting_a_photo_without_consent_stores_nothing(trainer, gym, login, media):
    response = login(trainer).post(
        reverse("photos:upload", args=[gym.member.pk]),
        {
            "pose": "front",
            "taken_on": timezone.localdate().isoformat(),
            "file": jpeg_with_location(),
        },
    )

    assert response.status_code == 400
    assert b'data-testid="no-consent"' in response.content
    assert not ProgressPhoto.objects.exists()
    assert stored_files(media) == []


def test_the_upload_form_is_made_for_a_phones_camera(client_user, consented, login):
    html = login(client_user).get(reverse("photos:mine-upload")).content.decode()

    assert 'type="file"' in html
    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_trainer_adds_a_photo_with_the_form_and_finds_it_in_the_gallery(
    trainer, consented, login
):
    browser = login(trainer)

    response = browser.post(
        reverse("photos:upload", args=[consented.pk]),
        {
            "pose": "side",
            "taken_on": days_ago(1).isoformat(),
            "notes": "After the holidays",
            "file": jpeg_with_location(),
        },
        follow=True,
    )

    photo = ProgressPhoto.objects.get()
    assert (photo.pose, photo.taken_on, photo.notes) == ("side", days_ago(1), "After the holidays")
    assert response.redirect_chain[-1][0] == reverse("photos:gallery", args=[consented.pk])
    assert "Side photo added." in response.content.decode()
    assert reverse("photos:thumbnail", args=[photo.pk]) in response.content.decode()


def test_the_upload_form_refuses_a_date_in_the_future_at_the_field(client_user, consented, login):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)

    response = login(client_user).post(
        reverse("photos:mine-upload"),
        {"pose": "front", "taken_on": tomorrow.isoformat(), "file": jpeg_with_location()},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["taken_on"] == ["The date cannot be in the future."]
    assert not ProgressPhoto.objects.exists()


def test_the_upload_form_without_a_file_asks_for_one(client_user, consented, login):
    response = login(client_user).post(
        reverse("photos:mine-upload"), {"pose": "front", "taken_on": days_ago(0).isoformat()}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Choose a photo to upload."]


def test_the_comparison_shows_each_pose_of_two_dates_side_by_side(trainer, consented, login):
    before_front = add_photo(consented, pose="front", taken_on=days_ago(60))
    before_side = add_photo(consented, pose="side", taken_on=days_ago(60))
    middle = add_photo(consented, pose="front", taken_on=days_ago(30))
    after_front = add_photo(consented, pose="front", taken_on=days_ago(0))
    url = reverse("photos:compare", args=[consented.pk])

    # Given in either order, the earlier date comes first.
    response = login(trainer).get(
        url, {"first": days_ago(0).isoformat(), "second": days_ago(60).isoformat()}
    )

    assert response.status_code == 200
    rows = {row.pose: row for row in response.context["rows"]}
    assert rows["front"].first == [before_front] and rows["front"].second == [after_front]
    assert rows["side"].first == [before_side] and rows["side"].second == []
    assert rows["back"].empty
    html = response.content.decode()
    assert html.count('data-testid="compare-row"') == 2  # front and side; no back photos
    assert "No side photo on this date." in html
    assert reverse("photos:file", args=[middle.pk]) not in html
    assert 'class="col-12 col-sm-6" data-testid="compare-first"' in html  # stacked on phones


def test_the_comparison_starts_with_the_first_and_the_latest_date(client_user, consented, login):
    first = add_photo(consented, taken_on=days_ago(90))
    add_photo(consented, taken_on=days_ago(45))
    latest = add_photo(consented, taken_on=days_ago(1))

    response = login(client_user).get(reverse("photos:mine-compare"))

    front = response.context["rows"][0]
    assert (front.first, front.second) == ([first], [latest])


def test_a_date_without_photos_is_refused_at_the_field(trainer, consented, login):
    add_photo(consented, taken_on=days_ago(3))

    response = login(trainer).get(
        reverse("photos:compare", args=[consented.pk]),
        {"first": days_ago(3).isoformat(), "second": "2001-02-03"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["second"] == ["There are no photos of this date."]


def test_a_malformed_date_is_refused_at_the_field(trainer, consented, login):
    add_photo(consented, taken_on=days_ago(3))

    response = login(trainer).get(
        reverse("photos:compare", args=[consented.pk]), {"first": "yesterday", "second": ""}
    )

    assert response.status_code == 400
    assert "first" in response.context["form"].errors


def test_a_client_without_photos_is_told_there_is_nothing_to_compare(client_user, consented, login):
    response = login(client_user).get(reverse("photos:mine-compare"))

    assert response.status_code == 200
    assert b'data-testid="nothing-to-compare"' in response.content


def test_the_comparison_takes_a_fixed_number_of_queries(
    trainer, consented, login, django_assert_max_num_queries
):
    def add_pairs(count):
        for _ in range(count):
            for pose in ("front", "side", "back"):
                add_photo(consented, pose=pose, taken_on=days_ago(10))
                add_photo(consented, pose=pose, taken_on=days_ago(0))

    browser = login(trainer)
    url = reverse("photos:compare", args=[consented.pk])
    add_pairs(1)

    # session, user, client, dates, photos of the two dates
    with django_assert_max_num_queries(5) as few:
        assert browser.get(url).status_code == 200
    add_pairs(9)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert browser.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


DELETE = answers(302, 302, 302, 404, 403, 302, 404, LOGIN)


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_photo_is_for_who_may_see_it(as_role, consented, role, media):
    photo = add_photo(consented)

    response = as_role(role).post(reverse("photos:delete", args=[photo.pk]))

    assert status_of(response) == DELETE[role]
    assert ProgressPhoto.objects.filter(pk=photo.pk).exists() == (DELETE[role] != 302)


def test_after_deleting_a_client_returns_to_their_own_gallery(client_user, consented, login):
    photo = add_photo(consented)

    response = login(client_user).post(reverse("photos:delete", args=[photo.pk]))

    assert response["Location"] == reverse("photos:mine")


def test_deleting_needs_a_post(trainer, consented, login):
    photo = add_photo(consented)

    response = login(trainer).get(reverse("photos:delete", args=[photo.pk]))

    assert response.status_code == 405
    assert ProgressPhoto.objects.filter(pk=photo.pk).exists()


def test_a_photo_of_an_outsider_cannot_be_deleted_by_guessing_its_id(outsider, gym, login):
    give_health_consent(gym.member)
    photo = add_photo(gym.member)

    response = login(outsider).post(reverse("photos:delete", args=[photo.pk]))

    assert response.status_code == 404
    assert ProgressPhoto.objects.filter(pk=photo.pk).exists()
