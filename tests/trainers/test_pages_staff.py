"""Staff accounts: the list, creating an account with an emailed invitation, (de)activation."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from fitnesscrm.accounts.models import User
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers.models import Trainer
from tests.factories import TrainerFactory, UserFactory

URL = "/staff/"
LINK = re.compile(r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a-fresh-passphrase-for-nia-7"

# The worker runs outside the test's transaction, as in production.
worker_db = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def active_url(user) -> str:
    return f"/staff/{user.pk}/active/"


def invite_url(user) -> str:
    return f"/staff/{user.pk}/invite/"


# --- Who may see it -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_see_every_staff_account_with_role_and_status(
    users_by_role, login, role
):
    UserFactory(role=Role.TRAINER, full_name="Gone Away", is_active=False)

    response = login(users_by_role[role]).get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Olga Owner", "Mia Manager", "Tom Trainer", "Dana Desk", "Gone Away"):
        assert name in html
    assert "Cleo Client" not in html  # clients are not staff
    assert html.count('data-testid="staff-row"') == 5
    assert html.count('data-testid="inactive"') == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.TRAINER, Role.FRONT_DESK, Role.CLIENT])
def test_other_roles_are_refused_the_staff_page(users_by_role, login, role):
    assert login(users_by_role[role]).get(URL).status_code == 403
    post = login(users_by_role[role]).post(
        URL, {"full_name": "X", "email": "x@gym.test", "role": "trainer"}
    )
    assert post.status_code == 403
    assert not User.objects.filter(email="x@gym.test").exists()


@pytest.mark.django_db
def test_outsiders_and_anonymous_visitors_are_refused(outsider, login, client):
    assert login(outsider).get(URL).status_code == 403
    assert client.get(URL).status_code == 302


@pytest.mark.django_db
def test_the_list_filters_by_role_status_and_search(owner, login, trainer, front_desk):
    UserFactory(role=Role.TRAINER, full_name="Gone Away", is_active=False)
    c = login(owner)

    def names(**params):
        return [u.full_name for u in c.get(URL, params).context["page"]]

    assert names(role="trainer") == ["Gone Away", "Tom Trainer"]
    assert names(active="inactive") == ["Gone Away"]
    assert names(q="dana") == ["Dana Desk"]


# --- Creating an account ---------------------------------------------------------------------


@worker_db
def test_a_new_staff_member_gets_an_email_to_choose_a_password_and_can_then_sign_in(owner):
    c = Client()
    c.force_login(owner)

    response = c.post(URL, {"full_name": "Nia New", "email": "nia@gym.test", "role": "front_desk"})

    assert response.status_code == 302
    user = User.objects.get(email="nia@gym.test")
    assert user.role == Role.FRONT_DESK and not user.has_usable_password()
    assert mail.outbox == []  # the worker sends it, not the request

    run_worker()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["nia@gym.test"]
    assert "invited" in email.subject
    link = LINK.search(email.body).group(1)
    browser = Client()
    form_url = browser.get(link)["Location"]
    chosen = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert chosen.status_code == 302
    assert Client().login(username="nia@gym.test", password=NEW_PASSWORD)
    # The link works once.
    assert "no longer works" in Client().get(link, follow=True).content.decode()


@worker_db
def test_resending_an_invitation_queues_a_fresh_email(owner):
    invited = UserFactory(role=Role.TRAINER, email="late@gym.test")
    invited.set_unusable_password()
    invited.save()
    c = Client()
    c.force_login(owner)

    assert c.post(invite_url(invited)).status_code == 302
    run_worker()

    assert [m.to for m in mail.outbox] == [["late@gym.test"]]


@pytest.mark.django_db
def test_someone_who_already_chose_a_password_is_not_invited_again(owner, login, trainer):
    response = login(owner).post(invite_url(trainer), follow=True)

    assert "already chosen a password" in response.content.decode()
    assert not AuditEntry.objects.filter(action="staff.invite").exists()


@pytest.mark.django_db
def test_an_email_in_use_is_reported_at_the_field(owner, login, trainer):
    response = login(owner).post(
        URL, {"full_name": "Copy", "email": trainer.email.upper(), "role": "trainer"}
    )

    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["email"][0]


@pytest.mark.django_db
def test_a_bad_email_and_a_blank_name_are_reported_at_their_fields(owner, login):
    response = login(owner).post(
        URL, {"full_name": "   ", "email": "not-an-email", "role": "trainer"}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["email"] and errors["full_name"]


@pytest.mark.django_db
def test_a_manager_cannot_create_an_owner_account(manager, login):
    offered = login(manager).get(URL).context["form"].fields["role"].choices
    assert "owner" not in [value for value, _label in offered]

    response = login(manager).post(
        URL, {"full_name": "Big Boss", "email": "boss@gym.test", "role": "owner"}
    )

    assert response.status_code == 400
    assert not User.objects.filter(email="boss@gym.test").exists()


@pytest.mark.django_db
def test_an_owner_can_create_another_owner(owner, login):
    response = login(owner).post(
        URL, {"full_name": "Co Owner", "email": "co@gym.test", "role": "owner"}
    )

    assert response.status_code == 302
    assert User.objects.get(email="co@gym.test").role == Role.OWNER


# --- Deactivating and reactivating --------------------------------------------------------


@pytest.mark.django_db
def test_an_owner_deactivates_a_trainer_who_then_cannot_use_the_app(owner, trainer, login):
    profile = TrainerFactory(user=trainer)
    trainer_session = login(trainer)
    assert trainer_session.get("/trainer/").status_code == 200

    response = login(owner).post(active_url(trainer), {"active": "0"})

    assert response.status_code == 302
    trainer.refresh_from_db()
    profile.refresh_from_db()
    assert trainer.is_active is False
    assert profile.is_active is False
    entry = AuditEntry.objects.get(action="staff.deactivate")
    assert entry.object_id == str(trainer.pk)
    assert entry.changes["trainer_profile"] == "deactivated"
    assert trainer_session.get("/trainer/").status_code == 302  # signed out
    assert not Client().login(username=trainer.email, password="correct-horse-battery-staple")


@pytest.mark.django_db
def test_an_owner_reactivates_an_account(owner, login):
    away = UserFactory(role=Role.FRONT_DESK, is_active=False)

    login(owner).post(active_url(away), {"active": "1"})

    away.refresh_from_db()
    assert away.is_active is True
    assert AuditEntry.objects.filter(action="staff.reactivate").count() == 1


@pytest.mark.django_db
def test_a_reactivated_trainer_profile_can_be_switched_back_on_only_after_the_account(
    owner, login, trainer
):
    profile = TrainerFactory(user=trainer)
    c = login(owner)
    c.post(active_url(trainer), {"active": "0"})
    form = {
        "bio": "",
        "specializations": "",
        "hourly_rate": "",
        "colour": "#112233",
        "is_active": "on",
    }

    refused = c.post(f"/trainers/{profile.pk}/edit/", form)
    c.post(active_url(trainer), {"active": "1"})
    accepted = c.post(f"/trainers/{profile.pk}/edit/", form)

    assert refused.status_code == 400
    assert "reactivate it on the staff page" in refused.content.decode()
    assert accepted.status_code == 302
    assert Trainer.objects.get(pk=profile.pk).is_active is True


@pytest.mark.django_db
def test_an_owner_cannot_deactivate_themselves(owner, trainer, login):
    c = login(owner)
    # Only the other account has the button.
    assert c.get(URL).content.decode().count('data-testid="deactivate"') == 1

    response = c.post(active_url(owner), {"active": "0"}, follow=True)

    assert "cannot deactivate your own account" in response.content.decode()
    owner.refresh_from_db()
    assert owner.is_active is True


@pytest.mark.django_db
def test_a_manager_cannot_deactivate_anyone(manager, trainer, login):
    assert 'data-testid="deactivate"' not in login(manager).get(URL).content.decode()

    assert login(manager).post(active_url(trainer), {"active": "0"}).status_code == 403
    trainer.refresh_from_db()
    assert trainer.is_active is True


@pytest.mark.django_db
def test_guessed_or_client_ids_are_a_404(owner, login, client_user):
    c = login(owner)

    assert c.post("/staff/987654/active/", {"active": "0"}).status_code == 404
    assert c.post(active_url(client_user), {"active": "0"}).status_code == 404
    assert c.post(invite_url(client_user)).status_code == 404
    client_user.refresh_from_db()
    assert client_user.is_active is True


@pytest.mark.django_db
def test_the_staff_actions_need_a_post(owner, login, trainer):
    assert login(owner).get(active_url(trainer)).status_code == 405
    assert login(owner).get(invite_url(trainer)).status_code == 405
