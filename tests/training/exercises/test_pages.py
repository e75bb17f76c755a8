"""The library's pages for each role: list and filters, detail, image, new, edit, archive."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.training.models import Exercise
from fitnesscrm.training.services.exercises import exercise_update
from tests.factories import ExerciseFactory

READERS = ["owner", "manager", "trainer", "other_trainer", "client_user", "outsider"]
COACHES = ["owner", "manager", "trainer", "other_trainer"]


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


def url(name: str, exercise=None) -> str:
    if exercise is None:
        return reverse(f"exercises:{name}")
    return reverse(f"exercises:{name}", kwargs={"exercise_id": exercise.pk})


def form_data(lib, **overrides) -> dict:
    data = {
        "name": "Half-kneeling cable press",
        "category": "strength",
        "level": "beginner",
        "tracking": "weight_reps",
        "primary_muscles": [lib.chest.pk],
        "secondary_muscles": [lib.triceps.pk],
        "equipment": [lib.bench.pk],
        "instructions": "1. Kneel.\n2. Press.",
        "video_url": "",
    }
    data.update(overrides)
    return data


# --- Who gets in -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_readers_open_the_list_and_an_exercise(role, request, login, small_library):
    browser = login(request.getfixturevalue(role))
    listing = browser.get(url("list"))
    detail = browser.get(url("detail", small_library.bench_press))
    assert listing.status_code == 200 and b"Barbell bench press" in listing.content
    assert detail.status_code == 200
    assert b"Chest" in detail.content and b"Triceps" in detail.content


def test_the_front_desk_is_refused_every_library_page(login, front_desk, small_library):
    browser = login(front_desk)
    for name in ("list", "create"):
        assert browser.get(url(name)).status_code == 403
    for name in ("detail", "edit", "image"):
        assert browser.get(url(name, small_library.kickback)).status_code == 403
    for name in ("archive", "restore"):
        assert browser.post(url(name, small_library.kickback)).status_code == 403
    assert browser.post(url("create"), form_data(small_library)).status_code == 403
    assert not Exercise.objects.filter(name="Half-kneeling cable press").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, small_library):
    assert is_login_redirect(client.get(url("list")))
    assert is_login_redirect(client.get(url("create")))
    for name in ("detail", "edit", "image"):
        assert is_login_redirect(client.get(url(name, small_library.kickback)))
    for name in ("archive", "restore"):
        assert is_login_redirect(client.post(url(name, small_library.kickback)))


@pytest.mark.parametrize("role", ["client_user", "outsider"])
def test_clients_read_but_cannot_add_edit_or_archive(role, request, login, small_library):
    browser = login(request.getfixturevalue(role))
    page = browser.get(url("detail", small_library.kickback))
    assert b"Edit" not in page.content and b"archive-exercise" not in page.content
    assert browser.get(url("create")).status_code == 403
    assert browser.post(url("create"), form_data(small_library)).status_code == 403
    assert browser.get(url("edit", small_library.kickback)).status_code == 403
    assert browser.post(url("archive", small_library.kickback)).status_code == 403
    small_library.kickback.refresh_from_db()
    assert small_library.kickback.archived_at is None


def test_a_guessed_exercise_id_is_a_404(login, trainer, small_library):
    missing = Exercise.objects.order_by("-pk").first().pk + 100
    browser = login(trainer)
    for name in ("detail", "edit", "image"):
        assert browser.get(reverse(f"exercises:{name}", args=[missing])).status_code == 404
    assert browser.post(reverse("exercises:archive", args=[missing])).status_code == 404


def test_list_and_detail_answer_only_get(login, trainer, small_library):
    browser = login(trainer)
    assert browser.post(url("list")).status_code == 405
    assert browser.post(url("detail", small_library.plank)).status_code == 405
    assert browser.get(url("archive", small_library.kickback)).status_code == 405


# --- List, search and filters ------------------------------------------------------------------


def test_the_list_marks_the_business_own_exercises_as_custom(login, trainer, small_library):
    page = login(trainer).get(url("list")).content.decode()
    kickback_row = page[page.index("Cable triceps kickback") :][:600]
    plank_row = page[page.index(">Plank<") :][:400]
    assert 'data-testid="custom-badge"' in kickback_row
    assert "custom-badge" not in plank_row


def test_filters_in_the_address_narrow_the_list_without_javascript(login, trainer, small_library):
    page = login(trainer).get(url("list"), {"q": "press", "muscle": "triceps"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    assert b"Barbell bench press" in page.content
    assert b"Cable triceps kickback" not in page.content
    assert b'<option value="triceps" selected>' in page.content


def test_htmx_gets_only_the_results(login, trainer, small_library):
    response = login(trainer).get(
        url("list"), {"level": "advanced"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and "exercise-filters" not in body
    assert "Cable triceps kickback" in body and "Plank" not in body


def test_archived_exercises_are_listed_only_when_coaching_staff_ask(
    login, trainer, client_user, small_library
):
    assert b"Old triceps drill" not in login(trainer).get(url("list")).content
    shown = login(trainer).get(url("list"), {"archived": "1"})
    assert b"Old triceps drill" in shown.content and b"archived-badge" in shown.content
    assert (
        b"Old triceps drill" not in login(client_user).get(url("list"), {"archived": "1"}).content
    )


def test_a_filter_value_that_is_not_a_choice_is_ignored(login, trainer, small_library):
    page = login(trainer).get(url("list"), {"muscle": "<script>", "level": "godlike"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 5
    assert b"<script>" not in page.content


def test_the_list_pages_by_thirty(login, trainer, small_library):
    for n in range(40):
        ExerciseFactory(name=f"Drill {n:02d}", primary_muscles=[small_library.chest])
    browser = login(trainer)
    first = browser.get(url("list"))
    second = browser.get(url("list"), {"page": 2})
    assert len(first.context["page"].object_list) == 30
    assert len(second.context["page"].object_list) == 15
    assert b'rel="next"' in first.content


def test_the_list_costs_the_same_queries_for_five_exercises_or_thirty(
    login, trainer, small_library, django_assert_num_queries
):
    browser = login(trainer)
    browser.get(url("list"))  # anything cached once
    # The session (unless the cache holds it), the user, muscle groups, equipment, the
    # count, the page and three prefetches.
    with CaptureQueriesContext(connection) as few:
        assert browser.get(url("list")).status_code == 200
    assert len(few) in (8, 9)
    for n in range(40):
        exercise = ExerciseFactory(name=f"Drill {n:02d}", primary_muscles=[small_library.chest])
        exercise.equipment.set([small_library.bench, small_library.barbell])
        exercise.secondary_muscles.set([small_library.triceps])
    with django_assert_num_queries(len(few)):
        page = browser.get(url("list"), {"q": "drill"})
    assert len(page.context["page"].object_list) == 30


# --- Detail and image --------------------------------------------------------------------------


def test_the_detail_page_shows_the_steps_as_a_list(login, client_user, shipped_library):
    squat = Exercise.objects.get(library_key="barbell-back-squat")
    page = login(client_user).get(url("detail", squat))
    steps = page.context["steps"]
    assert len(steps) == 3 and steps[0].startswith("Rest the bar on your upper back")
    assert b"<ol" in page.content
    assert b"1. Rest" not in page.content


def test_the_image_is_served_inline_without_sniffing(
    login, trainer, client_user, small_library, png_upload
):
    exercise_update(actor=trainer, exercise=small_library.kickback, image=png_upload())
    response = login(client_user).get(url("image", small_library.kickback))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_an_exercise_without_an_image_has_no_image_page(login, trainer, small_library):
    assert login(trainer).get(url("image", small_library.plank)).status_code == 404


# --- New and edit ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", COACHES)
def test_coaching_staff_add_an_exercise_through_the_form(
    role, request, login, small_library, png_upload
):
    browser = login(request.getfixturevalue(role))
    assert browser.get(url("create")).status_code == 200

    response = browser.post(url("create"), form_data(small_library, image=png_upload()))

    exercise = Exercise.objects.get(name="Half-kneeling cable press")
    assert response.status_code == 302 and response["Location"] == url("detail", exercise)
    assert exercise.is_custom and exercise.image
    page = browser.get(url("detail", exercise))
    assert b"custom-badge" in page.content and b"exercise-image" in page.content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the exercise"),
        ({"name": "PLANK"}, "name", "already exists"),
        ({"primary_muscles": []}, "primary_muscles", "at least one primary muscle"),
        ({"video_url": "javascript:alert(document.cookie)"}, "video_url", "http://"),
        ({"level": "godlike"}, "level", "valid choice"),
    ],
)
def test_bad_input_shows_the_form_again_with_the_message_at_the_field(
    login, trainer, small_library, overrides, field, message
):
    response = login(trainer).post(url("create"), form_data(small_library, **overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"'.encode() in response.content
    assert Exercise.objects.count() == 6


def test_a_file_that_is_not_a_picture_shows_the_form_again_at_the_image(
    login, trainer, small_library
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cat.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = login(trainer).post(url("create"), form_data(small_library, image=fake))
    assert response.status_code == 400
    assert "not a picture" in response.context["form"].errors["image"][0]
    assert not Exercise.objects.filter(name="Half-kneeling cable press").exists()


def test_a_trainer_edits_an_exercise_of_the_business_own(login, trainer, small_library):
    browser = login(trainer)
    assert browser.get(url("edit", small_library.kickback)).status_code == 200
    response = browser.post(
        url("edit", small_library.kickback),
        form_data(small_library, name="Cable triceps kick-back"),
    )
    assert response.status_code == 302
    small_library.kickback.refresh_from_db()
    assert small_library.kickback.name == "Cable triceps kick-back"
    assert AuditEntry.objects.filter(action="exercise.update").exists()


@pytest.mark.parametrize("role", ["owner", "trainer"])
def test_a_shipped_exercise_has_no_edit_page(role, request, login, small_library):
    browser = login(request.getfixturevalue(role))
    assert browser.get(url("edit", small_library.plank)).status_code == 403
    assert (
        browser.post(url("edit", small_library.plank), form_data(small_library)).status_code == 403
    )
    small_library.plank.refresh_from_db()
    assert small_library.plank.name == "Plank"


# --- Archive and restore -----------------------------------------------------------------------


def test_a_trainer_archives_and_restores_an_exercise_of_the_business_own(
    login, trainer, small_library
):
    browser = login(trainer)
    assert browser.post(url("archive", small_library.kickback)).status_code == 302
    small_library.kickback.refresh_from_db()
    assert small_library.kickback.archived_at is not None
    listed = browser.get(url("list")).context["page"].object_list
    assert small_library.kickback not in listed
    assert browser.post(url("restore", small_library.kickback)).status_code == 302
    small_library.kickback.refresh_from_db()
    assert small_library.kickback.archived_at is None


def test_a_trainer_may_not_hide_a_shipped_exercise_but_a_manager_may(
    login, trainer, manager, small_library
):
    assert b"archive-exercise" not in login(trainer).get(url("detail", small_library.plank)).content
    assert login(trainer).post(url("archive", small_library.plank)).status_code == 403
    small_library.plank.refresh_from_db()
    assert small_library.plank.archived_at is None

    assert (
        b"Hide from the library" in login(manager).get(url("detail", small_library.plank)).content
    )
    assert login(manager).post(url("archive", small_library.plank)).status_code == 302
    small_library.plank.refresh_from_db()
    assert small_library.plank.archived_at is not None
