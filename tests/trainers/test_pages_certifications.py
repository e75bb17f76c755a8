"""Adding and removing a trainer's certifications from their page."""

from datetime import date

import pytest

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers.models import Certification
from tests.factories import CertificationFactory, TrainerFactory, UserFactory

pytestmark = pytest.mark.django_db


def add_url(trainer) -> str:
    return f"/trainers/{trainer.pk}/certifications/"


def delete_url(trainer, cert_id) -> str:
    return f"/trainers/{trainer.pk}/certifications/{cert_id}/delete/"


@pytest.fixture
def coach(trainer):
    return TrainerFactory(user=trainer)


@pytest.fixture
def colleague():
    return TrainerFactory(user=UserFactory(role=Role.TRAINER, full_name="Cora Colleague"))


CERT = {
    "name": "First aid",
    "issuer": "Red Cross",
    "issued_on": "2024-01-10",
    "expires_on": "2027-01-10",
}


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_management_adds_a_certification(users_by_role, login, coach, role):
    response = login(users_by_role[role]).post(add_url(coach), CERT)

    assert response.status_code == 302
    cert = coach.certifications.get()
    assert (cert.name, cert.issuer, cert.expires_on) == (
        "First aid",
        "Red Cross",
        date(2027, 1, 10),
    )
    assert AuditEntry.objects.filter(action="certification.add").count() == 1


def test_a_trainer_adds_a_certification_to_their_own_profile(trainer, login, coach):
    assert login(trainer).post(add_url(coach), CERT).status_code == 302
    assert coach.certifications.count() == 1


def test_an_expiry_before_the_issue_date_is_shown_at_the_field(owner, login, coach):
    response = login(owner).post(add_url(coach), {**CERT, "expires_on": "2023-01-01"})

    assert response.status_code == 400
    assert "before the issue date" in response.content.decode()
    assert not coach.certifications.exists()


def test_a_certification_needs_a_name(owner, login, coach):
    response = login(owner).post(add_url(coach), {**CERT, "name": ""})

    assert response.status_code == 400
    assert response.context["cert_form"].errors["name"]


def test_a_colleague_the_desk_and_clients_cannot_add_certifications(
    trainer, front_desk, client_user, login, colleague
):
    assert login(trainer).post(add_url(colleague), CERT).status_code == 403
    assert login(front_desk).post(add_url(colleague), CERT).status_code == 403
    assert login(client_user).post(add_url(colleague), CERT).status_code == 403
    assert not Certification.objects.exists()


def test_adding_needs_a_post(owner, login, coach):
    assert login(owner).get(add_url(coach)).status_code == 405


def test_management_and_the_trainer_remove_a_certification(owner, trainer, login, coach):
    first, second = CertificationFactory.create_batch(2, trainer=coach)

    assert login(owner).post(delete_url(coach, first.pk)).status_code == 302
    assert login(trainer).post(delete_url(coach, second.pk)).status_code == 302
    assert not coach.certifications.exists()
    assert AuditEntry.objects.filter(action="certification.remove").count() == 2


def test_a_colleague_cannot_remove_a_certification(trainer, login, colleague):
    cert = CertificationFactory(trainer=colleague)

    assert login(trainer).post(delete_url(colleague, cert.pk)).status_code == 403
    assert Certification.objects.filter(pk=cert.pk).exists()


def test_a_certification_of_another_trainer_cannot_be_removed_through_this_page(
    trainer, login, coach, colleague
):
    theirs = CertificationFactory(trainer=colleague)

    response = login(trainer).post(delete_url(coach, theirs.pk))

    assert response.status_code == 404
    assert Certification.objects.filter(pk=theirs.pk).exists()


def test_guessed_ids_are_a_404(owner, login, coach):
    assert login(owner).post(delete_url(coach, 987654)).status_code == 404
    assert login(owner).post("/trainers/987654/certifications/", CERT).status_code == 404
