"""The accounts commands: createadmin, apikey and loaddemo."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fitnesscrm.accounts.management.commands.loaddemo import DEMO_PASSWORD, DEMO_USERS
from fitnesscrm.accounts.models import ApiKey, User
from fitnesscrm.core.roles import Role
from tests.paths import HOME_PATHS

ADMIN_PASSWORD = "a-long-owner-passphrase-2026"


def run(*args, stdin: str | None = None, monkeypatch=None) -> tuple[str, str]:
    """Run a command; returns what it wrote to stdout and to stderr."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def signs_in_to(email: str, password: str) -> str | None:
    """The page a sign-in through the login form lands on, or None if it fails."""
    response = Client().post(
        "/account/login/", {"username": email, "password": password}, follow=True
    )
    if not response.redirect_chain:
        return None
    return response.redirect_chain[-1][0]


def me(raw_key: str):
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw_key}"})


# --- createadmin -------------------------------------------------------------------------


def test_createadmin_creates_an_owner_with_admin_access_who_can_sign_in(db, monkeypatch):
    out, _err = run(
        "createadmin",
        "--email",
        "Boss@Gym.test",
        "--password-stdin",
        stdin=f"{ADMIN_PASSWORD}\n",
        monkeypatch=monkeypatch,
    )

    assert "Owner boss@gym.test created." in out
    user = User.objects.get(email="boss@gym.test")
    assert user.role == Role.OWNER
    assert user.is_superuser
    assert user.is_staff
    assert user.full_name == "Boss"
    assert signs_in_to("boss@gym.test", ADMIN_PASSWORD) == "/owner/"
    admin = Client()
    admin.force_login(user)
    assert admin.get("/admin/").status_code == 200


def test_createadmin_reads_only_the_first_line_of_stdin(db, monkeypatch):
    run(
        "createadmin",
        "--email",
        "boss@gym.test",
        "--password-stdin",
        stdin=f"{ADMIN_PASSWORD}\nsecond line\n",
        monkeypatch=monkeypatch,
    )

    assert signs_in_to("boss@gym.test", ADMIN_PASSWORD) == "/owner/"


def test_createadmin_refuses_an_email_that_is_taken(owner, monkeypatch):
    with pytest.raises(CommandError, match="already exists"):
        run(
            "createadmin",
            "--email",
            "OWNER@example.test",
            "--password-stdin",
            stdin=f"{ADMIN_PASSWORD}\n",
            monkeypatch=monkeypatch,
        )
    assert User.objects.filter(email="owner@example.test").count() == 1


@pytest.mark.parametrize("stdin", ["", "\n"])
def test_createadmin_refuses_an_empty_password(db, monkeypatch, stdin):
    with pytest.raises(CommandError, match="No password on standard input"):
        run(
            "createadmin",
            "--email",
            "boss@gym.test",
            "--password-stdin",
            stdin=stdin,
            monkeypatch=monkeypatch,
        )
    assert not User.objects.exists()


def test_createadmin_refuses_a_weak_password_and_says_why(db, monkeypatch):
    with pytest.raises(CommandError, match="too short"):
        run(
            "createadmin",
            "--email",
            "boss@gym.test",
            "--password-stdin",
            stdin="abc\n",
            monkeypatch=monkeypatch,
        )
    assert not User.objects.exists()


def test_createadmin_refuses_something_that_is_not_an_email(db, monkeypatch):
    # The login form only takes email addresses: such an owner could never sign in.
    with pytest.raises(CommandError, match="not a valid email address"):
        run(
            "createadmin",
            "--email",
            "boss",
            "--password-stdin",
            stdin=f"{ADMIN_PASSWORD}\n",
            monkeypatch=monkeypatch,
        )
    assert not User.objects.exists()


# --- apikey -------------------------------------------------------------------------------


def test_apikey_create_prints_a_key_that_works_against_the_api(trainer):
    out, err = run("apikey", "create", "--user", "Trainer@Example.test", "--name", "Zapier")

    raw = out.strip()
    assert raw.startswith("fcrm_")
    assert "\n" not in raw  # stdout is only the key, for scripts
    assert "shown only now" in err
    response = me(raw)
    assert response.status_code == 200
    assert response.json()["email"] == trainer.email
    assert response.json()["auth_method"] == "api_key"


def test_apikey_list_shows_the_keys_but_never_their_secrets(trainer):
    raw, _err = run("apikey", "create", "--user", trainer.email, "--name", "Zapier")
    raw = raw.strip()
    key = ApiKey.objects.get()

    out, _err = run("apikey", "list", "--user", trainer.email)

    assert key.prefix in out
    assert "Zapier" in out
    assert "active" in out
    assert raw not in out
    assert raw.split("_", 2)[2] not in out


def test_apikey_revoke_stops_the_key_working(trainer):
    raw, _err = run("apikey", "create", "--user", trainer.email, "--name", "Zapier")
    raw = raw.strip()
    key = ApiKey.objects.get()

    out, _err = run("apikey", "revoke", "--user", trainer.email, "--prefix", key.prefix)

    assert f"Revoked {key.prefix}" in out
    response = me(raw)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    listing, _err = run("apikey", "list", "--user", trainer.email)
    assert "revoked" in listing


def test_apikey_revoke_refuses_a_prefix_of_another_users_key(trainer, manager):
    run("apikey", "create", "--user", manager.email, "--name", "Reports")
    key = ApiKey.objects.get()

    with pytest.raises(CommandError, match="No such key for this user"):
        run("apikey", "revoke", "--user", trainer.email, "--prefix", key.prefix)
    key.refresh_from_db()
    assert key.is_active


def test_apikey_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match=r"No user with the email nobody@example\.test"):
        run("apikey", "create", "--user", "nobody@example.test", "--name", "x")


def test_apikey_refuses_a_key_for_a_client(client_user):
    with pytest.raises(CommandError, match="Only staff accounts can have API keys"):
        run("apikey", "create", "--user", client_user.email, "--name", "x")
    assert not ApiKey.objects.exists()


def test_apikey_create_refuses_an_empty_name(trainer):
    with pytest.raises(CommandError, match="Give the key a name"):
        run("apikey", "create", "--user", trainer.email, "--name", " ")


# --- loaddemo -------------------------------------------------------------------------------


def test_loaddemo_twice_creates_one_user_per_role_once(db):
    first, _err = run("loaddemo")
    second, _err = run("loaddemo")

    # The five role accounts; the demo gym adds a few more trainers beside them.
    accounts = User.objects.filter(email__in=[email for _role, email, _name in DEMO_USERS])
    assert accounts.count() == 5
    assert sorted(accounts.values_list("role", flat=True)) == sorted(Role.values)
    assert "5 accounts created" in first
    assert "0 accounts created, 5 already there" in second


def test_loaddemo_prints_a_login_for_each_role_that_works(db):
    out, _err = run("loaddemo")

    assert DEMO_PASSWORD in out
    for user in User.objects.filter(is_active=True):
        assert user.email in out
        assert signs_in_to(user.email, DEMO_PASSWORD) == HOME_PATHS[Role(user.role)]
