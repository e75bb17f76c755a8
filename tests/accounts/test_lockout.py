"""Failed sign-ins lock the email typed (known or not) and, in larger numbers, the address
they come from; the lock ends by itself or when an owner lifts it."""

import pytest
from django.test import Client

from fitnesscrm.accounts.models import LoginThrottle
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from tests.accounts.conftest import CLIENT_IP, LOGIN_URL
from tests.accounts.two_factor_helpers import Clock, code_at, controlled_clock, enrol
from tests.factories import UserFactory

LOCKED_15 = "Too many failed attempts; try again in 15 minutes."
WRONG = "That email and password do not match an account. Check both and try again."
STAFF_URL = "/staff/"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return controlled_clock(monkeypatch)


@pytest.fixture(autouse=True)
def default_limits(settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 5
    settings.LOGIN_IP_FAILURE_LIMIT = 20
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    settings.LOGIN_LOCKOUT_SECONDS = 900


def attempt(email: str, password: str, ip: str = CLIENT_IP) -> tuple[bool, str]:
    """One sign-in from a fresh browser: (signed in, the form's message)."""
    client = Client()
    response = client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)
    errors = " ".join(response.context["form"].non_field_errors()) if response.context else ""
    return "_auth_user_id" in client.session, errors


def fail(email: str, times: int, ip: str = CLIENT_IP) -> list[str]:
    return [attempt(email, "not-the-password", ip)[1] for _ in range(times)]


def test_the_fifth_failure_locks_the_account_even_against_the_right_password(
    trainer, password, clock
):
    messages = fail(trainer.email, 5)

    assert messages[:4] == [WRONG] * 4
    assert messages[4] == LOCKED_15
    assert attempt(trainer.email, password) == (False, LOCKED_15)


def test_the_lock_is_audited_once(trainer, clock):
    fail(trainer.email, 7)

    entry = AuditEntry.objects.get(action="auth.lockout")
    assert entry.object_label == trainer.email
    assert entry.object_id == str(trainer.pk)
    assert entry.changes["scope"] == "account"
    assert entry.ip == CLIENT_IP


def test_the_message_counts_down_the_minutes(trainer, password, clock):
    fail(trainer.email, 5)

    clock.advance(10 * 60 + 5)

    assert attempt(trainer.email, password) == (False, LOCKED_15.replace("15", "5"))
    clock.advance(4 * 60)
    assert attempt(trainer.email, password)[1] == (
        "Too many failed attempts; try again in 1 minute."
    )


def test_the_lock_ends_by_itself_after_15_minutes(trainer, password, clock):
    fail(trainer.email, 5)

    clock.advance(15 * 60 + 1)

    assert attempt(trainer.email, password) == (True, "")


def test_failures_spread_over_more_than_the_window_do_not_lock(trainer, password, clock):
    fail(trainer.email, 4)
    clock.advance(15 * 60 + 1)
    fail(trainer.email, 4)

    assert attempt(trainer.email, password) == (True, "")


def test_a_successful_sign_in_starts_the_count_again(trainer, password, clock):
    fail(trainer.email, 4)
    assert attempt(trainer.email, password)[0]

    assert fail(trainer.email, 4) == [WRONG] * 4
    assert attempt(trainer.email, password)[0]


def test_an_unknown_email_gets_the_same_answers_as_a_real_account(trainer, clock):
    real = fail(trainer.email, 6)
    unknown = fail("nobody@example.test", 6)

    assert real == unknown
    assert unknown[-1] == LOCKED_15


def test_the_limits_come_from_the_settings(trainer, settings, clock):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 120

    assert fail(trainer.email, 3)[-1] == "Too many failed attempts; try again in 2 minutes."


def test_the_lock_is_kept_in_the_database_for_every_app_process(trainer, password, clock):
    fail(trainer.email, 5)

    row = LoginThrottle.objects.get(scope="account", key=trainer.email)
    assert row.locked_until == clock.now + __import__("datetime").timedelta(minutes=15)
    # Another browser, another address: still locked.
    assert attempt(trainer.email, password, ip="198.51.100.9") == (False, LOCKED_15)


def test_twenty_failures_from_one_address_lock_that_address_for_every_account(
    trainer, manager, password, clock
):
    for n in range(4):
        fail(f"guess{n}@example.test", 5)  # 20 failures, 4 per email
    assert attempt(manager.email, password) == (False, LOCKED_15)

    assert attempt(manager.email, password, ip="198.51.100.9") == (True, "")
    entry = AuditEntry.objects.filter(action="auth.lockout", changes__scope="ip").get()
    assert entry.object_label == CLIENT_IP


def known_browser(user, password: str) -> Client:
    """A browser `user` has signed in from, then signed out of (it keeps its cookie)."""
    client = Client()
    client.post(LOGIN_URL, {"username": user.email, "password": password}, REMOTE_ADDR=CLIENT_IP)
    assert "_auth_user_id" in client.session
    client.post("/account/logout/")
    return client


def sign_in_from(client: Client, email: str, password: str, ip: str = CLIENT_IP):
    response = client.post(LOGIN_URL, {"username": email, "password": password}, REMOTE_ADDR=ip)
    errors = " ".join(response.context["form"].non_field_errors()) if response.context else ""
    return "_auth_user_id" in client.session, errors


def test_someone_locking_the_account_elsewhere_does_not_lock_out_its_owners_browser(
    trainer, password, clock
):
    own = known_browser(trainer, password)
    fail(trainer.email, 5, ip="198.51.100.9")  # an attacker, from another address
    assert attempt(trainer.email, password, ip="198.51.100.9") == (False, LOCKED_15)
    assert attempt(trainer.email, password) == (False, LOCKED_15)  # a new browser

    assert sign_in_from(own, trainer.email, password) == (True, "")


def test_the_owners_browser_is_still_locked_by_its_address_and_a_forged_cookie_helps_nobody(
    trainer, manager, password, clock, settings
):
    own = known_browser(trainer, password)
    for n in range(4):
        fail(f"guess{n}@example.test", 5)  # 20 failures from the browser's address
    assert sign_in_from(own, trainer.email, password) == (False, LOCKED_15)

    fail(manager.email, 5, ip="198.51.100.9")
    forger = Client()
    forger.cookies[settings.KNOWN_BROWSER_COOKIE_NAME] = f"{manager.pk}:forged"
    assert sign_in_from(forger, manager.email, password, ip="198.51.100.10") == (False, LOCKED_15)
    # A browser known to another account is not known to this one.
    assert sign_in_from(own, manager.email, password, ip="198.51.100.10") == (False, LOCKED_15)


def test_wrong_codes_at_the_second_step_count_towards_the_lock(trainer, password, clock):
    secret, _codes = enrol(trainer, clock)
    client = Client()
    client.post(LOGIN_URL, {"username": trainer.email, "password": password}, REMOTE_ADDR=CLIENT_IP)
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"

    for _ in range(4):
        assert client.post("/account/login/code/", {"code": wrong}).status_code == 400
    last = client.post("/account/login/code/", {"code": wrong})

    assert last.status_code == 302 and last["Location"] == LOGIN_URL
    assert LOCKED_15 in client.get(LOGIN_URL).content.decode()
    assert "_auth_user_id" not in client.session
    # The right code no longer helps: the sign-in must start again, and is locked.
    assert (
        client.post("/account/login/code/", {"code": code_at(secret, clock.now)})["Location"]
        == LOGIN_URL
    )
    assert attempt(trainer.email, password) == (False, LOCKED_15)


# --- The owner unlocks -------------------------------------------------------------------


def test_the_owner_sees_the_lock_on_the_staff_page_and_lifts_it(
    owner, trainer, password, login, clock
):
    fail(trainer.email, 5)
    client = login(owner)

    page = client.get(STAFF_URL).content.decode()

    assert "Locked after failed sign-ins" in page
    assert f"/account/users/{trainer.pk}/unlock/" in page
    response = client.post(f"/account/users/{trainer.pk}/unlock/")
    assert response.status_code == 302 and response["Location"] == STAFF_URL
    assert attempt(trainer.email, password) == (True, "")
    entry = AuditEntry.objects.get(action="auth.unlock")
    assert entry.actor == owner and entry.object_id == str(trainer.pk)


def test_a_manager_sees_the_lock_but_cannot_lift_it(manager, trainer, password, login, clock):
    fail(trainer.email, 5)
    client = login(manager)

    page = client.get(STAFF_URL).content.decode()

    assert "Locked after failed sign-ins" in page
    assert "/unlock/" not in page
    assert client.post(f"/account/users/{trainer.pk}/unlock/").status_code == 403
    assert attempt(trainer.email, password) == (False, LOCKED_15)


def test_unlocking_a_client_or_a_missing_account_is_a_404(owner, client_user, login):
    client = login(owner)

    assert client.post(f"/account/users/{client_user.pk}/unlock/").status_code == 404
    assert client.post("/account/users/999999/unlock/").status_code == 404
    assert not AuditEntry.objects.filter(action="auth.unlock").exists()


def test_the_staff_page_asks_the_same_number_of_queries_with_locked_accounts(
    owner, login, clock, django_assert_max_num_queries
):
    client = login(owner)
    for n in range(6):
        user = UserFactory(role=Role.TRAINER, email=f"coach{n}@example.test")
        fail(user.email, 5, ip=f"198.51.100.{10 + n}")
    client.get(STAFF_URL)  # warm up anything cached per process

    with django_assert_max_num_queries(12):
        page = client.get(STAFF_URL)

    assert page.content.decode().count('data-testid="locked"') == 6


# --- Not affected ----------------------------------------------------------------------


def test_an_api_key_still_works_while_its_account_is_locked(trainer, make_api_key, clock):
    _key, raw = make_api_key(trainer)
    fail(trainer.email, 5)

    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 200
    assert response.json()["email"] == trainer.email
