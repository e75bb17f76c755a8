"""/api/v1/goals: progress in the output, roles, bad input, idempotent creation."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.progress.models import Goal, GoalMetric, GoalMilestone, GoalStatus
from tests.factories import ExerciseFactory, GoalFactory, MeasurementFactory, give_health_consent
from tests.progress.measurements.helpers import log_set

URL = "/api/v1/goals"
LATER = (timezone.localdate() + timedelta(weeks=8)).isoformat()


def send(http, method: str, url: str, data=None, **headers):
    body = json.dumps(data) if data is not None else ""
    return getattr(http, method)(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def goals(gym):
    return {
        "member": GoalFactory(client=gym.member),
        "stranger": GoalFactory(client=gym.stranger),
        "outsider": GoalFactory(client=gym.outsider_record),
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
def test_each_role_lists_only_the_goals_it_may_see(who, sees, request, login, goals):
    response = login(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == {goals[n].pk for n in sees}


def test_anonymous_callers_get_401(client, goals):
    assert client.get(URL).status_code == 401


def test_a_goal_comes_with_its_computed_progress_and_milestones(owner, login, gym, goals):
    GoalMilestone.objects.create(goal=goals["member"], value=Decimal("87.5"), label="First step")
    MeasurementFactory(client=gym.member, weight_kg=Decimal("85"))

    body = login(owner).get(f"{URL}/{goals['member'].pk}").json()

    assert body["progress"] == {
        "current_value": 85.0,
        "current_on": timezone.localdate().isoformat(),
        "percent": 50,
        "reached": False,
    }
    assert body["milestones"] == [
        {"value": 87.5, "label": "First step", "reached": True, "reached_on": None}
    ]


@pytest.mark.parametrize("who", ["trainer", "front_desk", "client_user"])
def test_guessed_goal_ids_answer_404(who, request, login, goals):
    http = login(request.getfixturevalue(who))
    url = f"{URL}/{goals['stranger'].pk}"
    assert http.get(url).status_code == 404
    assert send(http, "patch", url, {"title": "Hacked"}).status_code == 404
    assert http.delete(url).status_code == 404
    assert Goal.objects.get(pk=goals["stranger"].pk).title == "Lose 10 kg"


def test_a_trainer_creates_an_e1rm_goal_once_with_an_idempotency_key(trainer, login, gym):
    squat = ExerciseFactory()
    log_set(gym.member, squat, timezone.localdate(), e1rm_kg="105")
    body = {
        "client_id": gym.member.pk,
        "title": "Squat 120",
        "metric": "e1rm_kg",
        "exercise_id": squat.pk,
        "start_value": 100,
        "target_value": 120,
        "target_date": LATER,
        "milestones": [{"value": 110, "label": "110"}],
    }
    http = login(trainer)
    first = send(http, "post", URL, body, **{"Idempotency-Key": "goal-1"})
    again = send(http, "post", URL, body, **{"Idempotency-Key": "goal-1"})

    assert first.status_code == again.status_code == 201
    assert first.json()["progress"]["percent"] == 25
    assert Goal.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"target_value": 90}, "target_value", "validation_error"),
        ({"target_date": timezone.localdate().isoformat()}, "target_date", "validation_error"),
        ({"metric": "e1rm_kg"}, "exercise_id", "validation_error"),
        ({"milestones": [{"value": 95}]}, "milestones", "validation_error"),
        ({"target_value": 0}, "target_value", "validation_error"),
        ({"metric": "happiness"}, "metric", "validation_error"),
    ],
)
def test_bad_goals_answer_422_naming_the_field_and_nothing_is_stored(
    owner, login, gym, change, field, code
):
    give_health_consent(gym.member)
    body = {
        "client_id": gym.member.pk,
        "title": "Lose 10 kg",
        "metric": "weight_kg",
        "start_value": 90,
        "target_value": 80,
        "target_date": LATER,
        **change,
    }
    response = send(login(owner), "post", URL, body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["field"] == field
    assert not Goal.objects.exists()


def test_an_unknown_exercise_or_client_is_404_naming_the_field(owner, login, gym):
    body = {
        "client_id": gym.member.pk,
        "title": "Lift",
        "metric": "e1rm_kg",
        "exercise_id": 999999,
        "start_value": 100,
        "target_value": 120,
        "target_date": LATER,
    }
    response = send(login(owner), "post", URL, body)
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "exercise_id"
    response = send(login(owner), "post", URL, {**body, "client_id": 999999})
    assert response.json()["errors"][0]["field"] == "client_id"


def test_a_client_abandons_their_personal_goal_by_patch(client_user, login, gym):
    give_health_consent(gym.member)
    goal = GoalFactory(client=gym.member, created_by=client_user)
    response = send(login(client_user), "patch", f"{URL}/{goal.pk}", {"status": "abandoned"})
    assert response.status_code == 200
    assert response.json()["status"] == GoalStatus.ABANDONED


def queries(http, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert http.get(url, {"limit": 100}).status_code == 200
    return len(captured)


def add_goal(client) -> None:
    goal = GoalFactory(client=client, metric=GoalMetric.WAIST, start_value=100, target_value=90)
    GoalMilestone.objects.create(goal=goal, value=Decimal("95"))


def test_the_list_takes_the_same_queries_however_many_goals(owner, login, gym):
    add_goal(gym.member)
    http = login(owner)
    http.get(URL)
    few = queries(http, URL)
    for _ in range(8):
        add_goal(gym.member)
        add_goal(gym.stranger)
    assert queries(http, URL) == few <= 5  # (session,) user, page, count, milestones
