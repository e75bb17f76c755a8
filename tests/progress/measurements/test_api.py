"""/api/v1/measurements and /api/v1/clients/{id}/consents: metric values, roles, errors."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.clients.models import ConsentRecord
from fitnesscrm.progress.models import Measurement
from tests.factories import MeasurementFactory, give_health_consent
from tests.progress.measurements.helpers import imperial

WEIGHT_RANGE = "Weight must be between 20 and 400 kg (44\u2013882 lb)."

URL = "/api/v1/measurements"


def send(http, method: str, url: str, data=None, **headers):
    body = json.dumps(data) if data is not None else ""
    return getattr(http, method)(url, body, content_type="application/json", headers=headers)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def rows(gym):
    return {
        "member": MeasurementFactory(client=gym.member, weight_kg=Decimal("85")),
        "stranger": MeasurementFactory(client=gym.stranger),
        "outsider": MeasurementFactory(client=gym.outsider_record),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", {"member", "stranger", "outsider"}),
        ("manager", {"member", "stranger", "outsider"}),
        ("trainer", {"member"}),
        ("other_trainer", {"stranger"}),
        ("front_desk", set()),
        ("client_user", {"member"}),
        ("outsider", {"outsider"}),
    ],
)
def test_each_role_lists_only_the_measurements_it_may_see(who, sees, request, login, rows):
    response = login(request.getfixturevalue(who)).get(URL)
    assert ids(response) == {rows[name].pk for name in sees}


def test_anonymous_callers_get_401(client, rows):
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize("who", ["trainer", "front_desk", "client_user"])
def test_guessed_ids_answer_404_for_get_patch_and_delete(who, request, login, rows):
    http = login(request.getfixturevalue(who))
    url = f"{URL}/{rows['stranger'].pk}"
    assert http.get(url).status_code == 404
    assert send(http, "patch", url, {"weight_kg": 70}).status_code == 404
    assert http.delete(url).status_code == 404
    assert (
        send(http, "post", URL, {"client_id": rows["stranger"].client_id, "weight_kg": 80}).json()[
            "errors"
        ][0]["field"]
        == "client_id"
    )
    rows["stranger"].refresh_from_db()
    assert rows["stranger"].weight_kg == Decimal("85.0")


def test_values_are_metric_in_the_api_whatever_the_business_shows(owner, login, gym):
    imperial()
    MeasurementFactory(client=gym.member, weight_kg=None, height_cm=Decimal("180"))
    measurement = MeasurementFactory(client=gym.member, weight_kg=Decimal("85"))
    body = login(owner).get(f"{URL}/{measurement.pk}").json()
    assert body["weight_kg"] == 85.0
    assert body["bmi"] == 26.2


def test_the_list_filters_by_client_and_date_range(owner, login, gym):
    today = timezone.localdate()
    old = MeasurementFactory(client=gym.member, measured_on=today - timedelta(days=40))
    recent = MeasurementFactory(client=gym.member, measured_on=today - timedelta(days=3))
    MeasurementFactory(client=gym.stranger, measured_on=today - timedelta(days=3))
    http = login(owner)
    since = (today - timedelta(days=7)).isoformat()
    assert ids(http.get(URL, {"client_id": gym.member.pk, "date_from": since})) == {recent.pk}
    until = (today - timedelta(days=30)).isoformat()
    assert ids(http.get(URL, {"client_id": gym.member.pk, "date_to": until})) == {old.pk}


def queries(http, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert http.get(url, {"limit": 100}).status_code == 200
    return len(captured)


def test_the_list_takes_the_same_queries_however_many_rows(owner, login, gym):
    MeasurementFactory(client=gym.member)
    http = login(owner)
    http.get(URL)  # the session is loaded once
    few = queries(http, URL)
    for _ in range(12):
        MeasurementFactory(client=gym.member)
        MeasurementFactory(client=gym.stranger, height_cm=Decimal("170"))
    assert queries(http, URL) == few <= 4  # (session,) user, page, count


def test_a_client_posts_their_weight_once_with_an_idempotency_key(client_user, login, gym):
    give_health_consent(gym.member)
    http = login(client_user)
    body = {"client_id": gym.member.pk, "weight_kg": 82.35, "notes": "At home"}
    first = send(http, "post", URL, body, **{"Idempotency-Key": "scale-1"})
    again = send(http, "post", URL, body, **{"Idempotency-Key": "scale-1"})

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["weight_kg"] == 82.4
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"weight_kg": 0}, "weight_kg", WEIGHT_RANGE),
        (
            {"weight_kg": 2000},
            "weight_kg",
            WEIGHT_RANGE,
        ),
        ({"body_fat_pct": 120}, "body_fat_pct", "Body fat must be between 2 and 75%."),
        ({"bp_systolic": 120}, "bp_diastolic", None),
        ({}, "", "Enter at least one measurement."),
    ],
)
def test_bad_values_answer_422_naming_the_field_and_nothing_is_stored(
    owner, login, gym, values, field, message
):
    give_health_consent(gym.member)
    response = send(login(owner), "post", URL, {"client_id": gym.member.pk, **values})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == field
    if message:
        assert body["errors"][0]["message"] == message
    assert not Measurement.objects.exists()


def test_a_measurement_without_consent_answers_400_consent_required(owner, login, gym):
    response = send(login(owner), "post", URL, {"client_id": gym.member.pk, "weight_kg": 80})
    assert response.status_code == 400
    assert response.json()["code"] == "consent_required"
    assert not Measurement.objects.exists()


def test_patch_changes_the_values_sent_and_delete_removes(trainer, login, gym):
    give_health_consent(gym.member)
    measurement = MeasurementFactory(client=gym.member, waist_cm=Decimal("90"))
    http = login(trainer)
    response = send(http, "patch", f"{URL}/{measurement.pk}", {"waist_cm": None, "weight_kg": 84})
    assert response.status_code == 200
    assert (response.json()["waist_cm"], response.json()["weight_kg"]) == (None, 84.0)
    assert http.delete(f"{URL}/{measurement.pk}").status_code == 204
    assert not Measurement.objects.exists()


def test_consent_is_given_and_read_through_the_api(client_user, trainer, login, gym):
    url = f"/api/v1/clients/{gym.member.pk}/consents"
    response = send(login(client_user), "post", url, {"granted": True})
    assert response.status_code == 201
    assert response.json()["record"]["method"] == "api"

    listed = login(trainer).get(url).json()
    assert listed["in_force"] is True and listed["count"] == 1

    refused = send(login(trainer), "post", url, {"granted": False})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "method"
    withdrawn = send(login(trainer), "post", url, {"granted": False, "method": "written"})
    assert withdrawn.json()["in_force"] is False


@pytest.mark.parametrize("who", ["other_trainer", "front_desk", "outsider"])
def test_consent_of_a_client_one_may_not_see_is_404(who, request, login, gym):
    url = f"/api/v1/clients/{gym.member.pk}/consents"
    http = login(request.getfixturevalue(who))
    assert http.get(url).status_code == 404
    assert send(http, "post", url, {"granted": True, "method": "in_person"}).status_code == 404
    assert not ConsentRecord.objects.exists()
