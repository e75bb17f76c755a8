"""Signing in and out, each role's home page, and who is turned away from which page."""

import pytest
from django.test import Client

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from tests.accounts.conftest import CLIENT_IP, LOGIN_URL
from tests.factories import UserFactory
from tests.paths import HOME_PATHS

STAFF_PAGES = [
    "/owner/",
    "/manager/",
    "/trainer/",
    "/front-desk/",
    "/audit/",
    "/account/api-keys/",
]
WRONG_LOGIN = "That email and password do not match an account."
DISABLED = "This account has been disabled."


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def login_error(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


# --- Signing in --------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_by_email_in_any_case_and_lands_on_its_own_home_page(
    role, users_by_role, password, sign_in
):
    user = users_by_role[role]
    client = Client()

    response = sign_in(client, user.email.upper(), password, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == HOME_PATHS[role]
    assert response.context["user"] == user
    assert role.label in response.content.decode()


def test_the_login_page_is_a_form_with_email_and_password(db):
    response = Client().get(LOGIN_URL)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body
    assert 'type="email"' in body
    assert 'name="password"' in body


def test_a_wrong_password_shows_a_clear_message_and_the_form_again(trainer, sign_in):
    client = Client()

    response = sign_in(client, trainer.email, "not-the-password")

    assert response.status_code == 200
    body = response.content.decode()
    assert WRONG_LOGIN in body
    assert 'name="password"' in body
    assert trainer.email in body  # the email is kept, only the password is asked again
    assert not is_signed_in(client)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(trainer, sign_in):
    wrong_password = sign_in(Client(), trainer.email, "not-the-password")
    unknown_email = sign_in(Client(), "nobody@example.test", "not-the-password")

    assert unknown_email.status_code == wrong_password.status_code == 200
    assert login_error(unknown_email) == login_error(wrong_password)
    assert len(login_error(unknown_email)) == 1
    assert WRONG_LOGIN in login_error(unknown_email)[0]


def test_a_disabled_account_is_told_it_is_disabled(db, password, sign_in):
    user = UserFactory(role=Role.TRAINER, email="gone@example.test", is_active=False)
    client = Client()

    response = sign_in(client, "Gone@Example.test", password)

    assert response.status_code == 200
    assert DISABLED in response.content.decode()
    assert not is_signed_in(client)
    user.refresh_from_db()
    assert user.last_login is None


def test_a_disabled_account_is_not_revealed_to_someone_without_its_password(db, sign_in):
    UserFactory(role=Role.TRAINER, email="gone@example.test", is_active=False)

    response = sign_in(Client(), "gone@example.test", "a-guess")

    body = response.content.decode()
    assert WRONG_LOGIN in body
    assert DISABLED not in body


def test_a_signed_in_user_is_sent_on_to_the_page_they_asked_for(manager, password, sign_in):
    response = sign_in(Client(), manager.email, password, next_url="/audit/")

    assert response.status_code == 302
    assert response["Location"] == "/audit/"


def test_a_next_address_on_another_site_is_ignored(manager, password, sign_in):
    response = sign_in(Client(), manager.email, password, next_url="https://evil.example/")

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --- The audit trail of signing in and out -----------------------------------------------


def test_signing_in_is_audited_with_the_request_ip(front_desk, password, sign_in):
    sign_in(Client(), front_desk.email, password)

    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == front_desk
    assert entry.actor_label == front_desk.email
    assert entry.ip == CLIENT_IP
    assert entry.request_id


def test_a_failed_sign_in_is_audited_with_the_tried_email_and_never_the_password(trainer, sign_in):
    sign_in(Client(), "Trainer@Example.test", "hunter2-secret-guess")

    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor is None
    assert entry.object_label == "trainer@example.test"
    assert entry.ip == CLIENT_IP
    stored = str(list(AuditEntry.objects.values()))
    assert "hunter2-secret-guess" not in stored


def test_a_failed_sign_in_with_an_unknown_email_is_audited_too(db, sign_in):
    sign_in(Client(), "nobody@example.test", "whatever-guess")

    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.object_label == "nobody@example.test"
    assert entry.ip == CLIENT_IP


def test_signing_out_takes_a_post_and_is_audited(owner, password, sign_in):
    client = Client()
    sign_in(client, owner.email, password)

    refused = client.get("/account/logout/", REMOTE_ADDR=CLIENT_IP)
    assert refused.status_code == 405
    assert is_signed_in(client)

    response = client.post("/account/logout/", REMOTE_ADDR=CLIENT_IP)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not is_signed_in(client)
    entry = AuditEntry.objects.get(action="auth.logout")
    assert entry.actor == owner
    assert entry.ip == CLIENT_IP
    assert client.get("/owner/").status_code == 302


# --- Home pages and who may open them ------------------------------------------------------


@pytest.mark.parametrize("path", [*HOME_PATHS.values(), "/home/"])
def test_an_anonymous_visitor_is_sent_to_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={path}"


@pytest.mark.parametrize("role", list(Role))
def test_another_roles_home_page_is_refused_with_a_403_page_and_audited(role, users_by_role, login):
    user = users_by_role[role]
    client = login(user)

    for other_role, path in HOME_PATHS.items():
        if other_role == role:
            continue
        response = client.get(path, REMOTE_ADDR=CLIENT_IP)

        assert response.status_code == 403, path
        assert response["Content-Type"].startswith("text/html")
        assert "This page is not for your account" in response.content.decode()
        entry = AuditEntry.objects.filter(action="access.denied", object_label=path).get()
        assert entry.actor == user
        assert entry.ip == CLIENT_IP


@pytest.mark.parametrize("role", list(Role))
def test_each_role_can_open_its_own_home_page(role, users_by_role, login):
    response = login(users_by_role[role]).get(HOME_PATHS[role])

    assert response.status_code == 200
    assert role.label in response.content.decode()
    assert not AuditEntry.objects.filter(action="access.denied").exists()


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_the_outsider_is_refused_every_staff_page(outsider, login, path):
    response = login(outsider).get(path)

    assert response.status_code == 403
    assert "This page is not for your account" in response.content.decode()
    assert AuditEntry.objects.filter(
        action="access.denied", actor=outsider, object_label=path
    ).exists()


def test_a_user_disabled_while_signed_in_is_signed_out(trainer, login):
    client = login(trainer)
    trainer.is_active = False
    trainer.save(update_fields=["is_active"])

    response = client.get("/trainer/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
