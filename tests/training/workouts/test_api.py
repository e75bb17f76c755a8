"""/api/v1/workout-logs, /clients/{id}/records and /clients/{id}/adherence for every role."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.training.models import PersonalRecord, WorkoutLog
from fitnesscrm.training.services.workouts import SetSpec, workout_log_create
from tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db

LOGS = "/api/v1/workout-logs"


def send(c, method, url, body=None, **headers):
    return getattr(c, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


def body_for(plan, *, client_id=None, loads=(100, 105, 110), **changes):
    body = {
        "performed_on": str(timezone.localdate()),
        "program_day_id": plan.days[0].pk,
        "sets": [
            {"program_set_id": s.pk, "reps": 5, "load": load, "load_unit": "kg", "rpe": 8}
            for s, load in zip(plan.squat.sets.all(), loads, strict=False)
        ],
    }
    if client_id is not None:
        body["client_id"] = client_id
    return body | changes


def a_log(actor, client, *, days_ago=0, exercise=None):
    return workout_log_create(
        actor=actor,
        client=client,
        performed_on=timezone.localdate() - timedelta(days=days_ago),
        sets=[SetSpec(exercise=exercise or ExerciseFactory(), reps=5, load=Decimal(80))],
    )


def test_the_trainer_logs_a_program_day_and_gets_the_new_records(login, gym, plan, trainer):
    response = send(login(trainer), "post", LOGS, body_for(plan, client_id=gym.member.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["week_index"] == 1
    assert [s["load_kg"] for s in body["sets"]] == [100.0, 105.0, 110.0]
    assert body["sets"][2]["e1rm_kg"] == 128.33
    squat = plan.squat.exercise.name
    assert f"{squat} e1RM 128.3 kg" in [r["text"] for r in body["new_records"]]


def test_a_client_logs_their_own_workout_without_naming_themselves(login, gym, plan, client_user):
    response = send(login(client_user), "post", LOGS, body_for(plan))
    assert response.status_code == 201
    assert response.json()["client"]["id"] == gym.member.pk


def test_a_client_naming_someone_else_gets_a_404_and_nothing_is_stored(login, gym, plan, outsider):
    response = send(login(outsider), "post", LOGS, body_for(plan, client_id=gym.member.pk))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "client_id"
    assert not WorkoutLog.objects.exists()


def test_another_trainer_and_the_front_desk_cannot_log_or_read(login, gym, plan, front_desk):
    log = a_log(gym.coach.user, gym.member)
    other = login(gym.other_coach.user)
    assert send(other, "post", LOGS, body_for(plan, client_id=gym.member.pk)).status_code == 404
    assert other.get(f"{LOGS}/{log.pk}").status_code == 404
    assert send(other, "patch", f"{LOGS}/{log.pk}", {"notes": "x"}).status_code == 404
    assert other.delete(f"{LOGS}/{log.pk}").status_code == 404
    assert other.get(f"/api/v1/clients/{gym.member.pk}/records").status_code == 404
    assert other.get(f"/api/v1/clients/{gym.member.pk}/adherence").status_code == 404
    assert other.get(LOGS).json()["count"] == 0
    desk = login(front_desk)
    assert desk.get(LOGS).status_code == 403
    assert send(desk, "post", LOGS, body_for(plan, client_id=gym.member.pk)).status_code == 403
    assert desk.get(f"{LOGS}/{log.pk}").status_code == 403
    assert desk.get(f"/api/v1/clients/{gym.member.pk}/records").status_code == 403
    assert WorkoutLog.objects.count() == 1


def test_anonymous_callers_get_401(client, gym):
    assert client.get(LOGS).status_code == 401
    assert client.get(f"/api/v1/clients/{gym.member.pk}/adherence").status_code == 401


def test_an_outsider_guessing_a_log_id_gets_404(login, gym, outsider):
    log = a_log(gym.coach.user, gym.member)
    c = login(outsider)
    assert c.get(f"{LOGS}/{log.pk}").status_code == 404
    assert c.delete(f"{LOGS}/{log.pk}").status_code == 404
    assert send(
        c, "put", f"{LOGS}/{log.pk}", {"performed_on": "2026-01-01", "sets": []}
    ).status_code in (404, 422)
    assert WorkoutLog.objects.filter(pk=log.pk).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reps": -1}, "sets.1.reps", "Reps are a whole number from 0 to 500."),
        ({"load": 2000}, "sets.1.load", "The load is at most 1000 kg."),
        ({"rpe": 11}, "sets.1.rpe", "RPE is from 1 to 10."),
        ({"load_unit": "stone"}, "sets.1.load_unit", "Log the load in kg or lb."),
        (
            {"duration_seconds": 100000},
            "sets.1.duration_seconds",
            "The time is from 0 to 86,400 seconds (a day).",
        ),
    ],
)
def test_bad_numbers_answer_422_naming_the_field_and_store_nothing(
    login, gym, plan, trainer, change, field, message
):
    body = body_for(plan, client_id=gym.member.pk)
    body["sets"][1] |= change
    response = send(login(trainer), "post", LOGS, body)
    assert response.status_code == 422
    assert {"field": field, "message": message} in [
        {"field": e["field"], "message": e["message"]} for e in response.json()["errors"]
    ]
    assert not WorkoutLog.objects.exists()
    assert not PersonalRecord.objects.exists()


def test_a_future_date_and_a_day_of_another_client_are_refused(login, gym, plan, trainer):
    from tests.training.workouts.conftest import make_plan

    c = login(trainer)
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    response = send(c, "post", LOGS, body_for(plan, client_id=gym.member.pk, performed_on=tomorrow))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "performed_on"
    theirs = make_plan(gym.stranger)
    response = send(c, "post", LOGS, body_for(theirs, client_id=gym.member.pk))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "program_day_id"
    assert not WorkoutLog.objects.exists()


def test_the_same_idempotency_key_logs_once(login, gym, plan, trainer):
    c = login(trainer)
    body = body_for(plan, client_id=gym.member.pk)
    first = send(c, "post", LOGS, body, **{"Idempotency-Key": "abc-1"})
    again = send(c, "post", LOGS, body, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert WorkoutLog.objects.count() == 1


def test_put_replaces_the_sets_and_patch_changes_only_what_is_sent(login, gym, plan, trainer):
    c = login(trainer)
    created = send(c, "post", LOGS, body_for(plan, client_id=gym.member.pk)).json()
    url = f"{LOGS}/{created['id']}"
    put = body_for(plan, loads=(130,))
    put.pop("program_day_id")
    response = send(c, "put", url, put)
    assert response.status_code == 200, response.content
    assert [s["load"] for s in response.json()["sets"]] == [130.0]
    assert response.json()["new_records"]
    response = send(c, "patch", url, {"notes": "Felt strong"})
    assert response.status_code == 200
    assert response.json()["notes"] == "Felt strong"
    assert [s["load"] for s in response.json()["sets"]] == [130.0]
    response = send(c, "patch", url, {"sets": [{"reps": 5, "load": 2000}]})
    assert response.status_code == 422
    assert WorkoutLog.objects.get().notes == "Felt strong"


def test_delete_answers_204_and_the_records_go(login, gym, plan, trainer):
    c = login(trainer)
    created = send(c, "post", LOGS, body_for(plan, client_id=gym.member.pk)).json()
    assert c.delete(f"{LOGS}/{created['id']}").status_code == 204
    assert not PersonalRecord.objects.exists()
    assert c.get(f"{LOGS}/{created['id']}").status_code == 404


def test_the_list_filters_by_client_and_dates(login, gym, trainer, owner):
    a_log(trainer, gym.member, days_ago=1)
    a_log(trainer, gym.member, days_ago=5)
    a_log(owner, gym.stranger, days_ago=1)
    assert login(trainer).get(LOGS).json()["count"] == 2
    assert login(owner).get(LOGS).json()["count"] == 3
    since = str(timezone.localdate() - timedelta(days=2))
    body = login(owner).get(LOGS, {"client_id": gym.member.pk, "date_from": since}).json()
    assert body["count"] == 1
    bad = login(owner).get(LOGS, {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert bad.status_code == 422


def test_the_list_makes_the_same_queries_for_1_or_12_logs(
    login, gym, trainer, django_assert_num_queries
):
    c = login(trainer)
    a_log(trainer, gym.member)
    c.get(LOGS)
    with CaptureQueriesContext(connection) as few:
        c.get(LOGS)
    for n in range(11):
        a_log(trainer, gym.member, days_ago=n + 1)
    with django_assert_num_queries(len(few.captured_queries)):
        body = c.get(LOGS).json()
    assert body["count"] == 12


def test_records_come_in_kg_with_pounds_when_logged_in_pounds(login, gym, client_user):
    deadlift = ExerciseFactory(name="Deadlift")
    workout_log_create(
        actor=client_user,
        client=gym.member,
        performed_on=timezone.localdate(),
        sets=[SetSpec(exercise=deadlift, reps=1, load=Decimal(315), load_unit="lb")],
    )
    body = login(client_user).get(f"/api/v1/clients/{gym.member.pk}/records").json()
    e1rm = next(r for r in body["items"] if r["kind"] == "e1rm")
    assert (e1rm["value_kg"], e1rm["value_lb"]) == (142.88, 315.0)


def test_adherence_answers_planned_and_done_per_week(login, gym, plan, trainer):
    start = plan.program.start_date
    for day in plan.days[:2]:
        workout_log_create(
            actor=trainer,
            client=gym.member,
            performed_on=start,
            program_day=day,
            sets=[SetSpec(exercise=ExerciseFactory(), reps=5, load=Decimal(50))],
        )
    [row] = login(trainer).get(f"/api/v1/clients/{gym.member.pk}/adherence").json()
    assert (row["planned"], row["completed"], row["percent"]) == (3, 2, 67)
    assert [(w["index"], w["completed"], w["current"]) for w in row["weeks"]] == [
        (1, 0, True),
        (0, 2, False),
    ]
