"""A trainer's page: profile, certifications and the clients the viewer may see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fitnesscrm.core.roles import Role
from tests.factories import (
    AssignmentFactory,
    CertificationFactory,
    ClientFactory,
    TrainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(trainer_or_id) -> str:
    return f"/trainers/{getattr(trainer_or_id, 'pk', trainer_or_id)}/"


@pytest.fixture
def coach(trainer):
    """The `trainer` fixture's own profile."""
    return TrainerFactory(
        user=trainer, bio="Ten years of strength coaching.", hourly_rate_minor=4550
    )


@pytest.fixture
def colleague():
    return TrainerFactory(
        user=UserFactory(role=Role.TRAINER, full_name="Cora Colleague"), hourly_rate_minor=6000
    )


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.TRAINER, Role.FRONT_DESK])
def test_every_staff_role_opens_a_trainer_page(users_by_role, login, colleague, role):
    response = login(users_by_role[role]).get(url(colleague))

    assert response.status_code == 200
    assert "Cora Colleague" in response.content.decode()


def test_clients_and_outsiders_are_refused_and_see_nothing_of_the_trainer(
    client_user, outsider, login, colleague
):
    for user in (client_user, outsider):
        response = login(user).get(url(colleague))
        assert response.status_code == 403
        assert "Cora Colleague" not in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, colleague):
    response = client.get(url(colleague))

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


@pytest.mark.parametrize("guess", [999999, 0])
def test_a_guessed_trainer_id_is_a_404(owner, login, guess):
    assert login(owner).get(url(guess)).status_code == 404


def test_the_page_shows_bio_specializations_and_certifications_with_expiry_badges(
    owner, login, coach
):
    today = timezone.localdate()
    coach.specializations.create(name="Powerlifting")
    CertificationFactory(trainer=coach, name="First aid", expires_on=today - timedelta(days=3))
    CertificationFactory(trainer=coach, name="CPR", expires_on=today + timedelta(days=10))
    CertificationFactory(trainer=coach, name="Level 3 PT", expires_on=today + timedelta(days=400))

    html = login(owner).get(url(coach)).content.decode()

    assert "Ten years of strength coaching." in html
    assert "Powerlifting" in html
    assert html.count('data-testid="certification"') == 3
    assert html.count('data-testid="cert-expired"') == 1
    assert html.count('data-testid="cert-expiring"') == 1
    assert "Valid to" in html


def test_a_trainer_sees_only_the_colleague_clients_they_share(trainer, login, coach, colleague):
    shared = ClientFactory(first_name="Shared", last_name="Client")
    theirs = ClientFactory(first_name="Only", last_name="Theirs")
    AssignmentFactory(client=shared, trainer=colleague)
    AssignmentFactory(client=shared, trainer=coach, is_primary=False)
    AssignmentFactory(client=theirs, trainer=colleague)

    html = login(trainer).get(url(colleague)).content.decode()

    assert "Shared Client" in html
    assert "Only Theirs" not in html


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.FRONT_DESK])
def test_the_desk_and_management_see_all_of_a_trainer_clients(
    users_by_role, login, colleague, role
):
    AssignmentFactory(client=ClientFactory(first_name="Ann", last_name="One"), trainer=colleague)
    AssignmentFactory(client=ClientFactory(first_name="Bo", last_name="Two"), trainer=colleague)
    ended = AssignmentFactory(
        client=ClientFactory(first_name="Ex", last_name="Client"), trainer=colleague
    )
    ended.end_date = timezone.localdate()
    ended.save()

    html = login(users_by_role[role]).get(url(colleague)).content.decode()

    assert "Ann One" in html and "Bo Two" in html
    assert "Ex Client" not in html


def test_the_rate_is_shown_to_management_and_the_trainer_but_not_to_colleagues_or_the_desk(
    owner, manager, trainer, front_desk, login, coach
):
    assert "£45.50" in login(owner).get(url(coach)).content.decode()
    assert "£45.50" in login(manager).get(url(coach)).content.decode()
    assert "£45.50" in login(trainer).get(url(coach)).content.decode()
    assert "£45.50" not in login(front_desk).get(url(coach)).content.decode()


def test_edit_links_appear_for_management_and_the_trainer_on_their_own_page(
    owner, trainer, front_desk, login, coach, colleague
):
    assert 'data-testid="edit-trainer"' in login(owner).get(url(coach)).content.decode()
    own = login(trainer).get(url(coach)).content.decode()
    assert "Edit my bio and specializations" in own
    assert 'data-testid="edit-trainer"' not in login(trainer).get(url(colleague)).content.decode()
    assert 'data-testid="edit-trainer"' not in login(front_desk).get(url(coach)).content.decode()
    assert "Add a certification" not in login(front_desk).get(url(coach)).content.decode()
