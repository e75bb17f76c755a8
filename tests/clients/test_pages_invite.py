"""Inviting a client to the portal: a login, an email from the worker, a password, the portal.

The worker runs outside the test's transaction, as in production, so these tests commit.
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client as Browser
from django_tasks_db.models import DBTaskResult

from fitnesscrm.accounts.models import User
from fitnesscrm.clients.models import Client
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from tests.factories import AssignmentFactory, ClientFactory, UserFactory

worker_db = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "swimming-in-the-sea-2026"


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def invite(browser, client, **data):
    return browser.post(f"/clients/{client.pk}/invite/", data, follow=True)


@pytest.fixture
def cleo(db):
    return ClientFactory(first_name="Cleo", last_name="Sousa", email="Cleo.Sousa@example.test")


@worker_db
def test_an_invited_client_sets_a_password_and_lands_in_the_portal(cleo, front_desk, login):
    response = invite(login(front_desk), cleo)

    assert "Invitation on its way to cleo.sousa@example.test." in response.content.decode()
    user = User.objects.get(email="cleo.sousa@example.test")
    assert user.role == Role.CLIENT
    assert not user.has_usable_password()
    cleo.refresh_from_db()
    assert cleo.user == user
    assert mail.outbox == []  # sent by the worker, not by the request

    run_worker()

    [email] = mail.outbox
    assert email.to == ["cleo.sousa@example.test"]
    assert "client portal" in email.subject
    assert "Hello Cleo" in email.body
    link = LINK.search(email.body).group(1)
    assert link in email.alternatives[0][0]

    browser = Browser()
    opened = browser.get(link)
    assert opened.status_code == 302
    form_url = opened["Location"]
    chosen = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert chosen.status_code == 302

    signed_in = browser.post(
        "/account/login/",
        {"username": "cleo.sousa@example.test", "password": NEW_PASSWORD},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == "/portal/"
    profile = browser.get("/portal/profile/").content.decode()
    assert 'data-testid="profile-name">Cleo Sousa<' in profile


@worker_db
def test_the_queue_holds_only_ids_never_the_link(cleo, owner, login):
    invite(login(owner), cleo)

    [row] = DBTaskResult.objects.all()
    assert row.task_path == "fitnesscrm.clients.tasks.send_client_invitation"
    assert row.queue_name == "email"
    assert "/account/password/reset/" not in str(row.args_kwargs)

    run_worker()

    token = LINK.search(mail.outbox[0].body).group(1).rstrip("/").split("/")[-1]
    assert token not in str(list(DBTaskResult.objects.values()))


@worker_db
def test_the_invitation_is_audited_and_on_the_timeline(cleo, owner, login):
    invite(login(owner), cleo)

    audit = AuditEntry.objects.get(action="client.invite")
    assert audit.actor == owner
    assert audit.object_id == str(cleo.pk)
    assert cleo.timeline.filter(body="Invited to the client portal.").exists()
    record = login(owner).get(f"/clients/{cleo.pk}/").content.decode()
    assert "Invited; has not chosen a password yet." in record


@worker_db
def test_a_client_without_an_email_cannot_be_invited(owner, login):
    walk_in = ClientFactory(first_name="Walk", email="")

    response = invite(login(owner), walk_in)

    assert "Add an email address first" in response.content.decode()
    assert not User.objects.filter(role=Role.CLIENT).exists()
    assert not DBTaskResult.objects.exists()


@worker_db
def test_a_client_cannot_be_invited_twice(cleo, owner, login):
    browser = login(owner)
    invite(browser, cleo)

    response = invite(browser, cleo)

    assert "This client has already been invited." in response.content.decode()
    assert User.objects.filter(role=Role.CLIENT).count() == 1
    assert DBTaskResult.objects.count() == 1


@worker_db
def test_a_pending_invitation_can_be_sent_again_with_a_fresh_link(cleo, owner, login):
    browser = login(owner)
    invite(browser, cleo)
    run_worker()

    invite(browser, cleo, resend="1")
    run_worker()

    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="client.invite_resend").exists()


@worker_db
def test_no_invitation_is_sent_again_once_the_client_has_a_password(cleo, owner, login):
    browser = login(owner)
    invite(browser, cleo)
    user = User.objects.get(email=cleo.email)
    user.set_password(NEW_PASSWORD)
    user.save()

    response = invite(browser, cleo, resend="1")

    assert "already has a portal login" in response.content.decode()
    assert DBTaskResult.objects.count() == 1


@worker_db
def test_an_email_that_already_belongs_to_a_staff_login_is_refused(owner, login):
    UserFactory(role=Role.TRAINER, email="tom@example.test")
    client = ClientFactory(email="tom@example.test")

    response = invite(login(owner), client)

    assert "already exists" in response.content.decode()
    client.refresh_from_db()
    assert client.user is None
    assert not DBTaskResult.objects.exists()


@worker_db
def test_an_archived_client_cannot_be_invited(cleo, owner, login):
    browser = login(owner)
    browser.post(f"/clients/{cleo.pk}/archive/")

    response = invite(browser, cleo)

    assert "Restore this client before inviting them." in response.content.decode()
    assert not User.objects.filter(role=Role.CLIENT).exists()


@worker_db
def test_a_client_who_chose_a_password_before_the_worker_ran_gets_no_link(cleo, owner, login):
    invite(login(owner), cleo)
    user = User.objects.get(email=cleo.email)
    user.set_password(NEW_PASSWORD)
    user.save()

    run_worker()

    assert mail.outbox == []


@worker_db
def test_an_assigned_trainer_may_invite_their_client(cleo, trainer, login):
    from tests.factories import TrainerFactory

    AssignmentFactory(client=cleo, trainer=TrainerFactory(user=trainer))

    invite(login(trainer), cleo)

    assert Client.objects.get(pk=cleo.pk).user is not None
