"""/api/v1/exercises for each role: read, filter, create (Idempotency-Key), change, archive."""

import json

import pytest

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.training.models import Exercise
from tests.api.test_errors import assert_api_error
from tests.factories import ExerciseFactory

EXERCISES = "/api/v1/exercises"
READERS = ["owner", "manager", "trainer", "other_trainer", "client_user", "outsider"]
COACHES = ["owner", "manager", "trainer", "other_trainer"]


def send(http, method: str, url: str, data=None, **extra):
    body = json.dumps(data) if data is not None else ""
    return getattr(http, method)(url, body, content_type="application/json", **extra)


def new_exercise(**overrides) -> dict:
    body = {
        "name": "Half-kneeling cable press",
        "category": "strength",
        "level": "beginner",
        "tracking": "weight_reps",
        "primary_muscles": ["chest"],
        "secondary_muscles": ["triceps"],
        "equipment": ["bench"],
        "instructions": "1. Kneel.\n2. Press.",
        "video_url": "https://videos.example.test/press",
    }
    body.update(overrides)
    return body


def fields_of(body: dict) -> list[str]:
    return [error["field"] for error in body["errors"]]


# --- Reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_readers_list_the_library_and_open_an_exercise(role, request, login, small_library):
    http = login(request.getfixturevalue(role))
    listing = http.get(EXERCISES)
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 5 and [i["name"] for i in body["items"]][:2] == [
        "Barbell back squat",
        "Barbell bench press",
    ]
    one = http.get(f"{EXERCISES}/{small_library.bench_press.pk}").json()
    assert one["library_key"] == "barbell-bench-press" and one["is_custom"] is False
    assert one["primary_muscles"] == [{"slug": "chest", "name": "Chest"}]
    assert [e["slug"] for e in one["equipment"]] == ["barbell", "bench"]


def test_the_front_desk_gets_403_on_every_exercise_endpoint(login, front_desk, small_library):
    http = login(front_desk)
    one = f"{EXERCISES}/{small_library.kickback.pk}"
    assert_api_error(http.get(EXERCISES), 403, "forbidden")
    assert_api_error(http.get(one), 403, "forbidden")
    assert_api_error(http.get(f"{EXERCISES}/muscle-groups"), 403, "forbidden")
    assert_api_error(send(http, "post", EXERCISES, new_exercise()), 403, "forbidden")
    assert_api_error(send(http, "patch", one, {"name": "Desk"}), 403, "forbidden")
    assert_api_error(http.delete(one), 403, "forbidden")
    assert not Exercise.objects.filter(name="Half-kneeling cable press").exists()


def test_anonymous_callers_get_401(client, small_library):
    assert_api_error(client.get(EXERCISES), 401, "not_authenticated")
    assert_api_error(send(client, "post", EXERCISES, new_exercise()), 401, "not_authenticated")


def test_a_guessed_id_is_a_404(login, trainer, small_library):
    missing = Exercise.objects.order_by("-pk").first().pk + 100
    http = login(trainer)
    assert_api_error(http.get(f"{EXERCISES}/{missing}"), 404, "not_found")
    assert_api_error(
        send(http, "patch", f"{EXERCISES}/{missing}", {"level": "advanced"}), 404, "not_found"
    )
    assert_api_error(http.delete(f"{EXERCISES}/{missing}"), 404, "not_found")


def test_the_list_takes_the_same_filters_as_the_page(login, client_user, small_library):
    http = login(client_user)

    def names(**params):
        return [item["name"] for item in http.get(EXERCISES, params).json()["items"]]

    assert names(q="PRESS bar") == ["Barbell bench press"]
    assert names(muscle="triceps") == ["Barbell bench press", "Cable triceps kickback"]
    assert names(equipment="dumbbell") == ["Développé couché haltères"]
    assert names(category="core") == ["Plank"]
    assert names(level="advanced") == ["Cable triceps kickback"]
    assert "Old triceps drill" not in names(include_archived="true")


def test_a_filter_outside_the_choices_answers_422(login, trainer, small_library):
    body = assert_api_error(
        login(trainer).get(EXERCISES, {"level": "godlike"}), 422, "validation_error"
    )
    assert fields_of(body) == ["level"]
    assert_api_error(login(trainer).get(EXERCISES, {"limit": 101}), 422, "validation_error")


def test_coaching_staff_ask_for_archived_exercises_too(login, trainer, small_library):
    items = login(trainer).get(EXERCISES, {"include_archived": "true"}).json()["items"]
    retired = next(item for item in items if item["name"] == "Old triceps drill")
    assert retired["archived_at"].endswith("Z") or retired["archived_at"].endswith("+00:00")


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
    bearer, trainer, small_library, django_assert_num_queries
):
    http = bearer(trainer)
    for n in range(30):
        exercise = ExerciseFactory(name=f"Drill {n:02d}", primary_muscles=[small_library.chest])
        exercise.equipment.set([small_library.bench])
    http.get(EXERCISES, {"limit": 1})  # the key's first use is written down once
    # The API key with its user, count, page, three prefetches.
    with django_assert_num_queries(6):
        small = http.get(EXERCISES, {"limit": 2})
    with django_assert_num_queries(6):
        large = http.get(EXERCISES, {"limit": 100})
    assert small.json()["count"] == large.json()["count"] == 35
    assert len(small.json()["items"]) == 2 and len(large.json()["items"]) == 35


def test_muscle_groups_and_equipment_are_listed_by_slug(login, client_user, small_library):
    muscles = login(client_user).get(f"{EXERCISES}/muscle-groups", {"limit": 100}).json()
    assert {"slug": "chest", "name": "Chest"} in muscles["items"]
    kit = login(client_user).get(f"{EXERCISES}/equipment", {"limit": 100}).json()
    assert {"slug": "barbell", "name": "Barbell"} in kit["items"]


# --- Creating ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", COACHES)
def test_coaching_staff_create_an_exercise(role, request, login, small_library):
    response = send(login(request.getfixturevalue(role)), "post", EXERCISES, new_exercise())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_custom"] is True and body["library_key"] == ""
    assert body["secondary_muscles"] == [{"slug": "triceps", "name": "Triceps"}]
    assert body["image_url"] is None
    assert Exercise.objects.get(pk=body["id"]).name == "Half-kneeling cable press"


@pytest.mark.parametrize("role", ["client_user", "outsider"])
def test_clients_get_403_on_writes(role, request, login, small_library):
    http = login(request.getfixturevalue(role))
    one = f"{EXERCISES}/{small_library.kickback.pk}"
    assert_api_error(send(http, "post", EXERCISES, new_exercise()), 403, "forbidden")
    assert_api_error(send(http, "patch", one, {"name": "Mine"}), 403, "forbidden")
    assert_api_error(http.delete(one), 403, "forbidden")
    small_library.kickback.refresh_from_db()
    assert small_library.kickback.name == "Cable triceps kickback"
    assert small_library.kickback.archived_at is None


def test_the_same_idempotency_key_creates_once_and_answers_the_same(bearer, trainer, small_library):
    http = bearer(trainer)
    first = send(http, "post", EXERCISES, new_exercise(), headers={"Idempotency-Key": "ex-1"})
    again = send(http, "post", EXERCISES, new_exercise(), headers={"Idempotency-Key": "ex-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Exercise.objects.filter(name="Half-kneeling cable press").count() == 1
    other = send(
        http, "post", EXERCISES, new_exercise(name="Other"), headers={"Idempotency-Key": "ex-1"}
    )
    assert_api_error(other, 422, "idempotency_key_reused")


def test_a_name_in_use_whatever_its_case_answers_409(login, trainer, small_library):
    body = assert_api_error(
        send(login(trainer), "post", EXERCISES, new_exercise(name="barbell BENCH press")),
        409,
        "duplicate",
    )
    assert fields_of(body) == ["name"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"primary_muscles": []}, "primary_muscles"),
        ({"primary_muscles": ["wings"]}, "primary_muscles"),
        ({"equipment": ["spaceship"]}, "equipment"),
        ({"category": "yoga"}, "category"),
        ({"video_url": "javascript:alert(1)"}, "video_url"),
        ({"video_url": "data:text/html,<script>alert(1)</script>"}, "video_url"),
        ({"instructions": "x" * 4001}, "instructions"),
    ],
)
def test_bad_input_answers_422_naming_the_field_and_stores_nothing(
    login, trainer, small_library, overrides, field
):
    response = send(login(trainer), "post", EXERCISES, new_exercise(**overrides))
    body = assert_api_error(response, 422, "validation_error")
    assert field in fields_of(body)
    assert Exercise.objects.count() == 6


def test_a_body_that_is_not_json_answers_400(login, trainer, small_library):
    response = login(trainer).post(EXERCISES, "{nope", content_type="application/json")
    assert_api_error(response, 400, "malformed_json")


# --- Changing and archiving --------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(login, trainer, small_library):
    one = f"{EXERCISES}/{small_library.kickback.pk}"
    response = send(login(trainer), "patch", one, {"level": "beginner", "equipment": ["dumbbell"]})
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "beginner" and body["name"] == "Cable triceps kickback"
    assert body["equipment"] == [{"slug": "dumbbell", "name": "Dumbbell"}]
    assert AuditEntry.objects.filter(action="exercise.update").count() == 1


@pytest.mark.parametrize("role", ["owner", "trainer"])
def test_patching_a_shipped_exercise_answers_403(role, request, login, small_library):
    response = send(
        login(request.getfixturevalue(role)),
        "patch",
        f"{EXERCISES}/{small_library.plank.pk}",
        {"name": "Our plank"},
    )
    assert_api_error(response, 403, "shipped_exercise")


def test_a_trainer_archives_an_exercise_of_the_business_own_with_delete(
    login, trainer, small_library
):
    http = login(trainer)
    response = http.delete(f"{EXERCISES}/{small_library.kickback.pk}")
    assert response.status_code == 204
    small_library.kickback.refresh_from_db()
    assert small_library.kickback.archived_at is not None
    assert http.get(f"{EXERCISES}/{small_library.kickback.pk}").json()["archived_at"]


def test_deleting_a_shipped_exercise_is_for_owners_and_managers(
    login, trainer, owner, small_library
):
    one = f"{EXERCISES}/{small_library.plank.pk}"
    assert_api_error(login(trainer).delete(one), 403, "shipped_exercise")
    assert login(owner).delete(one).status_code == 204
    small_library.plank.refresh_from_db()
    assert small_library.plank.archived_at is not None
