"""Password reset by email (sent by the background worker) and password change."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.core.tasks import send_email
from tests.factories import UserFactory

RESET_URL = "/account/password/reset/"
RESET_SENT_URL = "/account/password/reset/sent/"
CHANGE_URL = "/account/password/change/"
NEW_PASSWORD = "a-brand-new-passphrase-42"
LINK = re.compile(r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)")
LINK_DEAD = "This link no longer works"

# The worker runs outside the test's transaction, as it does in production: these
# tests commit their data (and the worker's connection handling needs that on PostgreSQL).
worker_db = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def ask_for_reset(email: str):
    return Client().post(RESET_URL, {"email": email})


def reset_link() -> str:
    assert len(mail.outbox) == 1
    match = LINK.search(mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def choose_new_password(link: str, password: str = NEW_PASSWORD):
    """Open the emailed link and submit the new password, as a browser would."""
    client = Client()
    opened = client.get(link)
    assert opened.status_code == 302  # the token moves into the session
    form_url = opened["Location"]
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def can_sign_in(email: str, password: str) -> bool:
    return Client().login(username=email, password=password)


# --- Reset -------------------------------------------------------------------------------


@worker_db
def test_asking_for_a_reset_queues_the_email_instead_of_sending_it(trainer):
    response = ask_for_reset("Trainer@Example.test")

    assert response.status_code == 302
    assert response["Location"] == RESET_SENT_URL
    assert mail.outbox == []
    task = DBTaskResult.objects.get()
    assert task.task_path == "fitnesscrm.accounts.tasks.send_password_reset_email"
    assert task.queue_name == "email"
    assert task.status == "READY"


@worker_db
def test_the_worker_sends_the_reset_email_to_the_account(trainer):
    ask_for_reset(trainer.email)

    run_worker()

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [trainer.email]
    assert "Reset your" in email.subject
    assert LINK.search(email.body)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@worker_db
def test_the_reset_email_is_named_after_the_business_not_the_web_address(trainer, settings):
    settings.SITE_NAME = "Iron Gym"
    ask_for_reset(trainer.email)

    run_worker()

    assert mail.outbox[0].subject == "Reset your Iron Gym password"


@worker_db
def test_the_queue_never_holds_the_reset_link(trainer):
    # Queue rows are kept after they run (and go into backups): a working link there
    # would let anyone who reads the database take over the account.
    ask_for_reset(trainer.email)
    queued = str(list(DBTaskResult.objects.values()))
    assert "/account/password/reset/" not in queued

    run_worker()

    token = reset_link().rstrip("/").split("/")[-1]
    assert token not in str(list(DBTaskResult.objects.values()))


@worker_db
def test_an_account_disabled_before_the_email_goes_out_gets_no_link(trainer):
    ask_for_reset(trainer.email)
    trainer.is_active = False
    trainer.save(update_fields=["is_active"])

    run_worker()

    assert mail.outbox == []


@worker_db
def test_the_emailed_link_sets_a_new_password_and_the_old_one_stops_working(trainer, password):
    ask_for_reset(trainer.email)
    run_worker()

    response = choose_new_password(reset_link())

    assert response.status_code == 302
    assert response["Location"] == "/account/password/reset/complete/"
    assert can_sign_in(trainer.email, NEW_PASSWORD)
    assert not can_sign_in(trainer.email, password)
    assert AuditEntry.objects.filter(action="auth.password_reset", actor=trainer).exists()


@worker_db
def test_a_used_reset_link_shows_that_it_no_longer_works(trainer):
    ask_for_reset(trainer.email)
    run_worker()
    link = reset_link()
    choose_new_password(link)

    response = Client().get(link, follow=True)

    assert response.status_code == 200
    assert LINK_DEAD in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()


@worker_db
def test_a_tampered_reset_link_shows_that_it_no_longer_works(trainer, password):
    ask_for_reset(trainer.email)
    run_worker()
    uid, token = reset_link().rstrip("/").split("/")[-2:]
    tampered = f"/account/password/reset/{uid}/{token[:-2]}xx/"

    response = Client().get(tampered, follow=True)

    assert response.status_code == 200
    assert LINK_DEAD in response.content.decode()
    assert can_sign_in(trainer.email, password)


@worker_db
def test_an_unknown_email_gets_the_same_answer_and_no_email(trainer):
    known = ask_for_reset(trainer.email)
    unknown = ask_for_reset("nobody@example.test")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == RESET_SENT_URL
    assert DBTaskResult.objects.count() == 1  # only the known account's email
    run_worker()
    assert [m.to for m in mail.outbox] == [[trainer.email]]


@worker_db
def test_a_disabled_account_gets_no_reset_email():
    UserFactory(role=Role.TRAINER, email="gone@example.test", is_active=False)

    response = ask_for_reset("gone@example.test")

    assert response["Location"] == RESET_SENT_URL
    run_worker()
    assert mail.outbox == []


def test_the_reset_sent_page_does_not_say_whether_the_account_exists(db):
    response = Client().get(RESET_SENT_URL)

    assert response.status_code == 200
    assert "If the address belongs to an account" in response.content.decode()


@worker_db
def test_an_email_enqueued_in_a_transaction_that_rolls_back_is_never_sent():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email.enqueue(to=["someone@example.test"], subject="Hello", text="Hi")
        raise RuntimeError("the request failed after enqueueing")

    assert not DBTaskResult.objects.exists()
    run_worker()
    assert mail.outbox == []


@worker_db
def test_an_email_enqueued_in_a_committed_transaction_is_sent_by_the_worker():
    with transaction.atomic():
        send_email.enqueue(to=["someone@example.test"], subject="Hello", text="Hi")

    assert mail.outbox == []
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Hello"]


# --- Change ------------------------------------------------------------------------------


def test_a_password_change_works_and_is_audited(manager, password, login):
    client = login(manager)

    response = client.post(
        CHANGE_URL,
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/manager/"
    assert "Your password has been changed." in response.content.decode()
    assert can_sign_in(manager.email, NEW_PASSWORD)
    assert not can_sign_in(manager.email, password)
    assert AuditEntry.objects.filter(action="auth.password_change", actor=manager).exists()
    # The session that changed the password stays signed in.
    assert client.get("/manager/").status_code == 200


def test_a_wrong_old_password_shows_the_change_form_again_with_the_error(manager, password, login):
    response = login(manager).post(
        CHANGE_URL,
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_old_password_error"' in body
    assert "Your old password was entered incorrectly" in body
    assert can_sign_in(manager.email, password)
    assert not AuditEntry.objects.filter(action="auth.password_change").exists()


def test_an_anonymous_visitor_cannot_change_a_password(db):
    response = Client().get(CHANGE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


@pytest.mark.django_db
def test_passwords_are_stored_as_argon2_hashes(settings):
    from fitnesscrm import settings as production_settings

    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    user = UserFactory(password="a-long-enough-passphrase")

    assert user.password.startswith("argon2$")
    assert user.check_password("a-long-enough-passphrase")
