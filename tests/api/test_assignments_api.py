"""/api/v1/assignments: who coaches whom, assigning a trainer and ending an assignment."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, EntryKind, TimelineEntry
from tests.api.test_errors import assert_api_error
from tests.factories import AssignmentFactory, ClientFactory, TrainerFactory, build_gym

URL = "/api/v1/assignments"


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def post(client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["items"]}


def fields_of(body: dict) -> list[str]:
    return [error["field"] for error in body["errors"]]


# --- List -------------------------------------------------------------------------------------


def test_the_desk_lists_every_assignment_filtered_by_client_trainer_and_activity(
    front_desk, login, gym
):
    ended = AssignmentFactory(
        client=gym.member, trainer=gym.other_coach, is_primary=False, end_date=timezone.localdate()
    )
    session = login(front_desk)
    body = session.get(URL).json()
    assert body["count"] == 3 and body["limit"] == 25
    assert ids(session.get(URL, {"client": gym.member.pk})) == {gym.assignment.pk, ended.pk}
    assert ids(session.get(URL, {"trainer": gym.coach.pk})) == {gym.assignment.pk}
    member_active = session.get(URL, {"client": gym.member.pk, "active": "true"})
    assert ids(member_active) == {gym.assignment.pk}
    assert ids(session.get(URL, {"active": "false"})) == {ended.pk}


def test_an_item_names_the_client_and_trainer_and_shows_staff_the_notes(owner, login, gym):
    (item,) = login(owner).get(URL, {"client": gym.member.pk}).json()["items"]
    assert item["client"] == {"id": gym.member.pk, "full_name": "Cleo Member"}
    assert item["trainer"] == {"id": gym.coach.pk, "name": "Tom Trainer"}
    assert (item["is_primary"], item["is_active"], item["end_date"]) == (True, True, None)
    assert item["notes"] == "Knee rehab first."


def test_a_trainer_lists_the_assignments_of_their_clients_only(trainer, login, gym):
    assert ids(login(trainer).get(URL)) == {gym.assignment.pk}


def test_a_client_lists_their_own_assignments_without_the_staff_notes(client_user, login, gym):
    items = login(client_user).get(URL).json()["items"]
    assert [item["id"] for item in items] == [gym.assignment.pk]
    assert "notes" not in items[0]


def test_a_client_asking_for_someone_elses_assignments_gets_nothing(
    client_user, outsider, login, gym
):
    assert ids(login(client_user).get(URL, {"client": gym.stranger.pk})) == set()
    assert ids(login(outsider).get(URL, {"client": gym.member.pk})) == set()
    assert ids(login(outsider).get(URL, {"trainer": gym.coach.pk})) == set()


def test_the_list_costs_the_same_queries_for_3_and_30_assignments(owner, login, gym):
    session = login(owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert session.get(URL, {"limit": 100}).status_code == 200
        return len(ctx.captured_queries)

    AssignmentFactory.create_batch(1)
    few = queries()
    AssignmentFactory.create_batch(28)
    assert queries() == few


# --- Create -----------------------------------------------------------------------------------


def test_the_desk_assigns_a_second_trainer_who_is_not_primary(front_desk, login, gym):
    start = timezone.localdate() + timedelta(days=7)
    response = post(
        login(front_desk),
        URL,
        {
            "client": gym.member.pk,
            "trainer": gym.other_coach.pk,
            "start_date": start.isoformat(),
            "notes": "Weekend sessions",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["is_primary"], body["start_date"], body["notes"]) == (
        False,
        start.isoformat(),
        "Weekend sessions",
    )
    assert TimelineEntry.objects.filter(client=gym.member, kind=EntryKind.ASSIGNMENT).exists()


def test_a_new_primary_trainer_demotes_the_old_one(owner, login, gym):
    response = post(
        login(owner),
        URL,
        {"client": gym.member.pk, "trainer": gym.other_coach.pk, "is_primary": True},
    )
    assert response.json()["is_primary"] is True
    gym.assignment.refresh_from_db()
    assert gym.assignment.is_primary is False


def test_assigning_the_same_trainer_again_while_active_answers_409(owner, login, gym):
    response = post(login(owner), URL, {"client": gym.member.pk, "trainer": gym.coach.pk})
    assert_api_error(response, 409, "already_assigned")
    assert Assignment.objects.filter(client=gym.member).count() == 1


def test_a_trainer_cannot_assign_trainers_403(trainer, login, gym):
    response = post(login(trainer), URL, {"client": gym.member.pk, "trainer": gym.other_coach.pk})
    assert_api_error(response, 403, "forbidden")


@pytest.mark.parametrize(("field", "value"), [("client", 987654), ("trainer", 987654)])
def test_an_unknown_client_or_trainer_answers_404(owner, login, gym, field, value):
    payload = {"client": gym.member.pk, "trainer": gym.other_coach.pk, field: value}
    assert_api_error(post(login(owner), URL, payload), 404, "not_found")


def test_a_trainer_who_is_not_active_cannot_be_assigned(owner, login, gym):
    retired = TrainerFactory(is_active=False)
    response = post(login(owner), URL, {"client": gym.member.pk, "trainer": retired.pk})
    assert_api_error(response, 400, "trainer_inactive")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"trainer": 1}, "client"),
        ({"client": 1}, "trainer"),
        ({"client": 1, "trainer": 1, "start_date": "soon"}, "start_date"),
        ({"client": 1, "trainer": 1, "notes": "n" * 2001}, "notes"),
    ],
)
def test_a_bad_body_answers_422_naming_the_field(owner, login, payload, field):
    body = assert_api_error(post(login(owner), URL, payload), 422, "validation_error")
    assert fields_of(body) == [field]


def test_a_client_or_outsider_cannot_assign_trainers(client_user, outsider, login, gym):
    payload = {"client": gym.member.pk, "trainer": gym.coach.pk}
    assert_api_error(post(login(client_user), URL, payload), 403, "forbidden")
    assert_api_error(post(login(outsider), URL, payload), 404, "not_found")


# --- End ----------------------------------------------------------------------------------------


def test_ending_the_primary_keeps_it_in_history_and_promotes_the_next(owner, login, gym):
    second = AssignmentFactory(client=gym.member, trainer=gym.other_coach, is_primary=False)
    today = timezone.localdate()
    response = post(login(owner), f"{URL}/{gym.assignment.pk}/end", {"end_date": today.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["is_active"], body["end_date"], body["is_primary"]) == (
        False,
        today.isoformat(),
        True,
    )
    second.refresh_from_db()
    assert second.is_primary is True
    assert ids(login(owner).get(URL, {"client": gym.member.pk, "active": "false"})) == {
        gym.assignment.pk
    }


def test_ending_without_a_body_ends_today(owner, login, gym):
    response = login(owner).post(f"{URL}/{gym.assignment.pk}/end", "", "application/json")
    assert response.status_code == 200, response.content
    assert response.json()["end_date"] == timezone.localdate().isoformat()


def test_an_end_date_before_the_start_answers_422_naming_end_date(owner, login, gym):
    too_early = (gym.assignment.start_date - timedelta(days=1)).isoformat()
    response = post(login(owner), f"{URL}/{gym.assignment.pk}/end", {"end_date": too_early})
    assert fields_of(assert_api_error(response, 422, "validation_error")) == ["end_date"]
    gym.assignment.refresh_from_db()
    assert gym.assignment.end_date is None


def test_after_ending_the_pair_can_be_assigned_again(owner, login, gym):
    session = login(owner)
    post(session, f"{URL}/{gym.assignment.pk}/end")
    response = post(session, URL, {"client": gym.member.pk, "trainer": gym.coach.pk})
    assert response.status_code == 201
    assert Assignment.objects.filter(client=gym.member, trainer=gym.coach).count() == 2


def test_only_the_desk_ends_assignments(trainer, client_user, outsider, login, gym):
    url = f"{URL}/{gym.assignment.pk}/end"
    assert_api_error(post(login(trainer), url), 403, "forbidden")
    assert_api_error(post(login(client_user), url), 403, "forbidden")
    assert_api_error(post(login(outsider), url), 404, "not_found")
    assert_api_error(post(login(gym.other_coach.user), url), 404, "not_found")
    gym.assignment.refresh_from_db()
    assert gym.assignment.end_date is None


def test_an_unknown_assignment_answers_404(owner, login):
    ClientFactory()
    assert_api_error(post(login(owner), f"{URL}/987654/end"), 404, "not_found")
