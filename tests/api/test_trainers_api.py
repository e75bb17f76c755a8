"""/api/v1/trainers: the list with search and filters, and one trainer's profile."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.clients import services as client_services
from fitnesscrm.trainers.models import EXPIRY_WARNING_DAYS
from tests.api.test_errors import assert_api_error
from tests.factories import (
    AssignmentFactory,
    CertificationFactory,
    ClientFactory,
    SpecializationFactory,
    TrainerFactory,
    build_gym,
)

URL = "/api/v1/trainers"


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["items"]}


def test_staff_list_every_active_trainer_as_a_page(front_desk, login, gym):
    TrainerFactory(is_active=False)
    body = login(front_desk).get(URL, {"active": "true"}).json()
    assert set(body) == {"count", "limit", "offset", "items"}
    assert {item["id"] for item in body["items"]} == {gym.coach.pk, gym.other_coach.pk}
    assert body["count"] == 2


def test_without_the_active_filter_inactive_trainers_are_listed_too(owner, login, gym):
    retired = TrainerFactory(is_active=False)
    session = login(owner)
    assert ids(session.get(URL, {"active": "false"})) == {retired.pk}
    assert ids(session.get(URL)) == {gym.coach.pk, gym.other_coach.pk, retired.pk}


def test_search_by_name_ignores_case_and_accents(owner, login, gym):
    found = TrainerFactory(user__full_name="Renée Björk")
    assert ids(login(owner).get(URL, {"q": "RENEE bjork"})) == {found.pk}


def test_filter_by_specialization_id_or_name(owner, login, gym):
    yoga = SpecializationFactory(name="Yoga")
    gym.coach.specializations.add(yoga)
    session = login(owner)
    assert ids(session.get(URL, {"specialization": yoga.pk})) == {gym.coach.pk}
    assert ids(session.get(URL, {"specialization": "yoga"})) == {gym.coach.pk}
    assert ids(session.get(URL, {"specialization": "Pilates"})) == set()


def test_sorting_by_client_count_puts_the_busiest_trainer_first(owner, login, gym):
    AssignmentFactory.create_batch(2, trainer=gym.other_coach)
    items = login(owner).get(URL, {"sort": "-clients"}).json()["items"]
    assert [(i["id"], i["active_clients"]) for i in items] == [
        (gym.other_coach.pk, 3),
        (gym.coach.pk, 1),
    ]


@pytest.mark.parametrize(("param", "value"), [("limit", 101), ("sort", "-rate"), ("active", "x")])
def test_bad_list_parameters_answer_422_naming_them(owner, login, param, value):
    body = assert_api_error(login(owner).get(URL, {param: value}), 422, "validation_error")
    assert [error["field"] for error in body["errors"]] == [param]


def test_the_list_costs_the_same_queries_for_3_and_30_trainers(owner, login):
    session = login(owner)
    yoga = SpecializationFactory(name="Yoga")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert session.get(URL, {"limit": 100}).status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for coach in TrainerFactory.create_batch(n):
            coach.specializations.add(yoga)
            CertificationFactory(trainer=coach)
            AssignmentFactory(trainer=coach)

    add(3)
    few = queries()
    add(27)
    assert queries() == few


def test_the_profile_shows_specializations_certifications_clients_and_rate(owner, login, gym):
    today = timezone.localdate()
    gym.coach.specializations.add(SpecializationFactory(name="Rehab"))
    CertificationFactory(trainer=gym.coach, name="First aid", expires_on=today - timedelta(days=1))
    CertificationFactory(trainer=gym.coach, name="Level 3", expires_on=today + timedelta(days=10))
    CertificationFactory(trainer=gym.coach, name="Kettlebells", expires_on=None)
    CertificationFactory(
        trainer=gym.coach, name="Nutrition", expires_on=today + timedelta(EXPIRY_WARNING_DAYS + 1)
    )
    body = login(owner).get(f"{URL}/{gym.coach.pk}").json()
    assert body["name"] == "Tom Trainer"
    assert body["specializations"] == ["Rehab"]
    flags = {c["name"]: (c["expiring"], c["expired"]) for c in body["certifications"]}
    assert flags == {
        "First aid": (False, True),
        "Level 3": (True, False),
        "Kettlebells": (False, False),
        "Nutrition": (False, False),
    }
    assert body["active_clients"] == 1
    assert body["hourly_rate"] == {"amount_minor": 4500, "currency": "GBP"}


def test_archived_clients_do_not_count_as_active_clients(owner, login, gym):
    client_services.client_archive(actor=owner, client=gym.member)
    assert login(owner).get(f"{URL}/{gym.coach.pk}").json()["active_clients"] == 0


def test_a_trainer_sees_their_own_rate_but_not_a_colleagues(trainer, login, gym):
    session = login(trainer)
    assert session.get(f"{URL}/{gym.coach.pk}").json()["hourly_rate"]["amount_minor"] == 4500
    other = session.get(f"{URL}/{gym.other_coach.pk}")
    assert other.status_code == 200
    assert "hourly_rate" not in other.json()
    assert "active_clients" in other.json()


def test_the_front_desk_does_not_see_hourly_rates(front_desk, login, gym):
    items = login(front_desk).get(URL).json()["items"]
    assert items and all("hourly_rate" not in item for item in items)


def test_a_client_sees_only_their_trainers_without_rate_email_or_workload(client_user, login, gym):
    session = login(client_user)
    body = session.get(URL).json()
    assert [item["id"] for item in body["items"]] == [gym.coach.pk]
    (item,) = body["items"]
    assert {"hourly_rate", "email", "active_clients", "user_id"}.isdisjoint(item)
    assert_api_error(session.get(f"{URL}/{gym.other_coach.pk}"), 404, "not_found")


def test_an_outsider_sees_no_trainers_and_guessed_ids_are_404(outsider, login, gym):
    session = login(outsider)
    assert ids(session.get(URL)) == set()
    response = session.get(f"{URL}/{gym.coach.pk}")
    assert_api_error(response, 404, "not_found")
    assert b"Tom Trainer" not in response.content


def test_an_unknown_trainer_id_answers_404(owner, login):
    assert_api_error(login(owner).get(f"{URL}/987654"), 404, "not_found")


def test_an_inactive_trainer_profile_is_still_readable_by_staff(owner, login):
    retired = TrainerFactory(is_active=False)
    body = login(owner).get(f"{URL}/{retired.pk}").json()
    assert body["is_active"] is False


def test_a_client_who_lost_their_trainer_no_longer_sees_them(owner, client_user, login, gym):
    client_services.assignment_end(actor=owner, assignment=gym.assignment)
    assert ids(login(client_user).get(URL)) == set()


def test_an_anonymous_caller_gets_401(db, client):
    ClientFactory()
    assert_api_error(client.get(URL), 401, "not_authenticated")
