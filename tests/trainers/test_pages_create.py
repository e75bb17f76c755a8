"""Creating a trainer profile: for an existing staff account, or with a new one."""

import pytest
from django_tasks_db.models import DBTaskResult

from fitnesscrm.accounts.models import User
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers.models import Trainer
from tests.factories import TrainerFactory, UserFactory

URL = "/trainers/new/"

pytestmark = pytest.mark.django_db

PROFILE = {
    "bio": "Former sprinter.",
    "specializations": "Speed, Strength",
    "hourly_rate": "52.25",
    "colour": "#336699",
    "is_active": "on",
}


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_management_opens_the_form(users_by_role, login, role):
    assert login(users_by_role[role]).get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.TRAINER, Role.FRONT_DESK, Role.CLIENT])
def test_other_roles_are_refused(users_by_role, login, role):
    assert login(users_by_role[role]).get(URL).status_code == 403
    assert login(users_by_role[role]).post(URL, PROFILE).status_code == 403
    assert not Trainer.objects.exists()


def test_outsiders_and_anonymous_visitors_are_refused(outsider, login, client):
    assert login(outsider).get(URL).status_code == 403
    assert client.get(URL).status_code == 302


def test_the_picker_offers_only_active_staff_without_a_profile(owner, login, front_desk):
    TrainerFactory(user=UserFactory(role=Role.TRAINER, full_name="Has Profile"))
    UserFactory(role=Role.TRAINER, full_name="Gone Away", is_active=False)
    UserFactory(role=Role.CLIENT, full_name="Just Client")

    html = login(owner).get(URL).content.decode()

    assert "Dana Desk" in html
    assert "Has Profile" not in html and "Gone Away" not in html and "Just Client" not in html


def test_an_owner_gives_an_existing_staff_member_a_profile(owner, login, front_desk):
    response = login(owner).post(URL, {"user": front_desk.pk, **PROFILE})

    trainer = Trainer.objects.get(user=front_desk)
    assert response.status_code == 302
    assert response["Location"] == f"/trainers/{trainer.pk}/"
    assert trainer.hourly_rate_minor == 5225
    assert trainer.colour == "#336699"
    assert sorted(trainer.specializations.values_list("name", flat=True)) == ["Speed", "Strength"]
    assert not DBTaskResult.objects.exists()  # they have an account already: no invitation


def test_the_staff_page_link_preselects_the_account(owner, login, front_desk):
    response = login(owner).get(URL, {"user": front_desk.pk})

    assert response.context["form"]["user"].value() == front_desk.pk


def test_a_new_staff_account_and_profile_are_made_together_and_an_invitation_is_queued(
    manager, login
):
    response = login(manager).post(
        URL, {"full_name": "Nia  New", "email": "Nia@Gym.test", "role": "trainer", **PROFILE}
    )

    assert response.status_code == 302
    user = User.objects.get(email="nia@gym.test")
    assert (user.full_name, user.role, user.has_usable_password()) == ("Nia New", "trainer", False)
    assert Trainer.objects.get(user=user).hourly_rate_minor == 5225
    task = DBTaskResult.objects.get()
    assert task.task_path == "fitnesscrm.trainers.tasks.send_staff_invite_email"
    assert {"user.create", "staff.invite", "trainer.create"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def test_without_an_account_or_an_email_the_form_says_what_is_missing(owner, login):
    response = login(owner).post(URL, PROFILE)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Pick an existing account" in errors["email"][0]
    assert errors["full_name"]


def test_an_email_already_in_use_is_reported_and_nothing_is_written(owner, login, trainer):
    response = login(owner).post(
        URL, {"full_name": "Copy Cat", "email": trainer.email, "role": "trainer", **PROFILE}
    )

    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["email"][0]
    assert not Trainer.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_bad_rate_rolls_back_the_new_account_too(owner, login):
    response = login(owner).post(
        URL,
        {
            "full_name": "Nia New",
            "email": "nia@gym.test",
            "role": "trainer",
            **PROFILE,
            "hourly_rate": "1e9",
        },
    )

    assert response.status_code == 400
    assert not User.objects.filter(email="nia@gym.test").exists()


def test_a_manager_cannot_create_an_owner(manager, login):
    page = login(manager).get(URL).content.decode()
    assert 'value="owner"' not in page

    response = login(manager).post(
        URL, {"full_name": "Sneaky", "email": "sneaky@gym.test", "role": "owner", **PROFILE}
    )

    assert response.status_code == 400
    assert not User.objects.filter(email="sneaky@gym.test").exists()


def test_a_profile_cannot_be_made_twice_for_one_account(owner, login, trainer):
    TrainerFactory(user=trainer)

    response = login(owner).post(URL, {"user": trainer.pk, **PROFILE})

    assert response.status_code == 400
    assert Trainer.objects.filter(user=trainer).count() == 1
