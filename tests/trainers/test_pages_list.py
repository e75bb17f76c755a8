"""The trainer list: who may open it, what it shows, search, filters, sorting and paging."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.core.roles import Role
from tests.factories import (
    AssignmentFactory,
    CertificationFactory,
    ClientFactory,
    TrainerFactory,
    UserFactory,
)

URL = "/trainers/"

pytestmark = pytest.mark.django_db


def trainer_named(name: str, email: str | None = None, **kwargs):
    user = UserFactory(
        role=Role.TRAINER, full_name=name, email=email or f"{name.split()[0].lower()}@gym.test"
    )
    return TrainerFactory(user=user, **kwargs)


def names_on(response) -> list[str]:
    return [trainer.name for trainer in response.context["page"]]


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.TRAINER, Role.FRONT_DESK])
def test_every_staff_role_opens_the_trainer_list(users_by_role, login, role):
    response = login(users_by_role[role]).get(URL)

    assert response.status_code == 200
    assert b'data-testid="page-title">Trainers<' in response.content


def test_clients_and_outsiders_are_refused_the_trainer_list(client_user, outsider, login):
    assert login(client_user).get(URL).status_code == 403
    assert login(outsider).get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_each_row_shows_colour_specializations_and_active_client_count(owner, login):
    coach = trainer_named("Ana Coach", colour="#aa3300", specializations=["Yoga", "Mobility"])
    AssignmentFactory.create_batch(2, trainer=coach)
    AssignmentFactory(trainer=coach, end_date=timezone.localdate())  # ended: not counted
    AssignmentFactory(trainer=coach, client=ClientFactory(archived_at=timezone.now()))

    response = login(owner).get(URL)
    html = response.content.decode()

    assert 'fill="#aa3300"' in html
    assert "Yoga" in html and "Mobility" in html
    (row,) = response.context["page"]
    assert row.active_clients == 2
    assert 'data-testid="client-count">2<' in html


def test_expired_and_soon_expiring_certifications_are_flagged_but_valid_ones_are_not(owner, login):
    today = timezone.localdate()
    coach = trainer_named("Ana Coach")
    CertificationFactory(trainer=coach, name="First aid", expires_on=today - timedelta(days=1))
    CertificationFactory(trainer=coach, name="CPR", expires_on=today + timedelta(days=59))
    CertificationFactory(trainer=coach, name="Kettlebells", expires_on=today + timedelta(days=61))

    html = login(owner).get(URL).content.decode()

    assert html.count('data-testid="cert-expired"') == 2  # wide and narrow layouts
    assert html.count('data-testid="cert-expiring"') == 2
    assert "First aid" in html and "CPR" in html
    assert "Kettlebells" not in html


def test_search_ignores_case_and_accents_on_name_and_email(owner, login):
    trainer_named("José Álvarez", email="jose@gym.test")
    trainer_named("Bea Strong", email="b.strong@gym.test")

    by_name = login(owner).get(URL, {"q": "JOSE alvarez"})
    by_email = login(owner).get(URL, {"q": "b.strong@"})

    assert names_on(by_name) == ["José Álvarez"]
    assert names_on(by_email) == ["Bea Strong"]


def test_inactive_trainers_are_hidden_until_asked_for(owner, login):
    trainer_named("Ana Active")
    trainer_named("Ian Inactive", is_active=False)

    c = login(owner)
    assert names_on(c.get(URL)) == ["Ana Active"]
    assert names_on(c.get(URL, {"active": "inactive"})) == ["Ian Inactive"]
    assert names_on(c.get(URL, {"active": "all"})) == ["Ana Active", "Ian Inactive"]


def test_the_specialization_filter_keeps_only_trainers_with_it(owner, login):
    yoga = trainer_named("Yara Yoga", specializations=["Yoga"])
    trainer_named("Sam Strength", specializations=["Strength"])
    specialization = yoga.specializations.get()

    response = login(owner).get(URL, {"specialization": specialization.pk})

    assert names_on(response) == ["Yara Yoga"]


def test_sorting_by_name_clients_and_rate(owner, login):
    busy = trainer_named("Bob Busy", hourly_rate_minor=3000)
    trainer_named("Cat Cheap", hourly_rate_minor=2000)
    trainer_named("Dee Dear", hourly_rate_minor=9000)
    AssignmentFactory.create_batch(3, trainer=busy)

    c = login(owner)
    assert names_on(c.get(URL, {"sort": "-name"})) == ["Dee Dear", "Cat Cheap", "Bob Busy"]
    assert names_on(c.get(URL, {"sort": "-clients"}))[0] == "Bob Busy"
    assert names_on(c.get(URL, {"sort": "rate"})) == ["Cat Cheap", "Bob Busy", "Dee Dear"]
    assert names_on(c.get(URL, {"sort": "-rate"})) == ["Dee Dear", "Bob Busy", "Cat Cheap"]


def test_owners_see_rates_but_the_front_desk_neither_sees_nor_sorts_by_them(
    owner, front_desk, login
):
    trainer_named("Bob Busy", hourly_rate_minor=3000)
    trainer_named("Ann Pricey", hourly_rate_minor=9000)

    assert "£30.00" in login(owner).get(URL).content.decode()
    desk = login(front_desk).get(URL, {"sort": "-rate"})
    assert "£30.00" not in desk.content.decode()
    assert names_on(desk) == ["Ann Pricey", "Bob Busy"]  # by name instead


@pytest.mark.parametrize("per_page", [10, 25, 50, 100])
def test_the_page_size_can_be_chosen(owner, login, per_page):
    for n in range(per_page + 1):
        trainer_named(f"Trainer {n:03d}", email=f"t{n}@gym.test")

    c = login(owner)
    first = c.get(URL, {"per_page": per_page})
    second = c.get(URL, {"per_page": per_page, "page": 2})

    assert len(first.context["page"]) == per_page
    assert names_on(second) == [f"Trainer {per_page:03d}"]


def test_a_bad_page_size_or_page_falls_back_to_the_defaults(owner, login):
    for n in range(30):
        trainer_named(f"Trainer {n:03d}", email=f"t{n}@gym.test")

    response = login(owner).get(URL, {"per_page": "1000", "page": "x", "sort": "evil"})

    assert response.status_code == 200
    assert len(response.context["page"]) == 25
    assert names_on(response)[0] == "Trainer 000"


def test_an_htmx_request_gets_only_the_results(owner, login):
    trainer_named("Ana Coach")

    response = login(owner).get(URL, {"q": "ana"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "Ana Coach" in html
    assert "<html" not in html and 'id="trainer-filters"' not in html


def test_an_empty_result_says_so(owner, login):
    trainer_named("Ana Coach")

    html = login(owner).get(URL, {"q": "nobody"}).content.decode()

    assert "No trainers match these filters." in html


def _make_trainers(first: int, last: int) -> None:
    today = timezone.localdate()
    for n in range(first, last):
        coach = trainer_named(
            f"Coach {n:03d}", email=f"coach{n}@gym.test", specializations=[f"S{n % 4}", "Core"]
        )
        AssignmentFactory(trainer=coach)
        CertificationFactory(trainer=coach, expires_on=today + timedelta(days=n))


def _queries_for_list(login, user, **params) -> int:
    c = login(user)
    with CaptureQueriesContext(connection) as queries:
        assert c.get(URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.OWNER, Role.TRAINER])
def test_the_list_makes_the_same_number_of_queries_for_3_or_30_trainers(users_by_role, login, role):
    user = users_by_role[role]
    _make_trainers(0, 3)
    few = _queries_for_list(login, user, per_page=100)
    _make_trainers(3, 30)
    many = _queries_for_list(login, user, per_page=100)

    assert few == many
