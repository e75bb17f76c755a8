"""Security notices: a sign-in from a new browser, and every change to how an account signs in.

The emails are sent by the background worker, outside the request, as in production.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client

from fitnesscrm.core.models import AuditEntry
from tests.accounts.conftest import CLIENT_IP, LOGIN_URL
from tests.accounts.test_passwords import ask_for_reset, choose_new_password, reset_link
from tests.accounts.two_factor_helpers import code_at, controlled_clock, enrol

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
worker_db = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


def browser(user_agent: str = FIREFOX) -> Client:
    return Client(headers={"User-Agent": user_agent}, REMOTE_ADDR=CLIENT_IP)


def sign_in(client: Client, user, password: str) -> None:
    response = client.post(LOGIN_URL, {"username": user.email, "password": password})
    assert response.status_code == 302, response.content[:300]
    assert "_auth_user_id" in client.session


def notices() -> list:
    run_worker()
    sent = list(mail.outbox)
    mail.outbox.clear()
    return sent


@worker_db
def test_a_sign_in_from_a_new_browser_is_reported_with_when_what_and_where(trainer, password):
    sign_in(browser(), trainer, password)
    assert notices() == []  # the account's first sign-in: nothing to compare with

    phone = browser(SAFARI)
    sign_in(phone, trainer, password)
    [email] = notices()
    assert email.to == [trainer.email]
    assert email.subject == f"{settings.SITE_NAME}: New sign-in to your account"
    assert "Someone signed in to your account from a browser it had not" in email.body
    assert "Browser: Safari on iPhone" in email.body
    assert f"Address: {CLIENT_IP}" in email.body
    assert "http://testserver/account/sessions/" in email.body
    assert "http://testserver/account/password/reset/" in email.body
    html = email.alternatives[0][0]
    assert 'href="http://testserver/account/sessions/"' in html

    # The same browser again, after signing out: known, so no email.
    phone.post("/account/logout/")
    sign_in(phone, trainer, password)
    assert notices() == []


@worker_db
def test_a_browser_another_account_used_is_still_new_to_this_one(trainer, owner, password):
    sign_in(browser(), owner, password)
    shared = browser()
    sign_in(shared, trainer, password)
    shared.post("/account/logout/")
    notices()

    sign_in(shared, owner, password)
    [email] = notices()
    assert email.to == [owner.email]
    # Both accounts are now known to that browser.
    shared.post("/account/logout/")
    sign_in(shared, trainer, password)
    sign_in(shared, owner, password)
    assert notices() == []


@worker_db
def test_the_browser_cookie_is_signed_http_only_and_a_forged_one_is_ignored(trainer, password):
    sign_in(browser(), trainer, password)
    notices()
    client = browser()
    sign_in(client, trainer, password)
    notices()
    cookie = client.cookies[settings.KNOWN_BROWSER_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 400 * 24 * 60 * 60
    assert str(trainer.pk) in cookie.value  # the ids, then the signature

    forger = browser()
    forger.cookies[settings.KNOWN_BROWSER_COOKIE_NAME] = f"{trainer.pk}:forged-signature"
    sign_in(forger, trainer, password)
    assert len(notices()) == 1


@worker_db
def test_a_password_change_is_reported(trainer, password):
    client = browser()
    sign_in(client, trainer, password)
    notices()
    new = "a-much-longer-passphrase-2026"
    response = client.post(
        "/account/password/change/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    [email] = notices()
    assert email.subject.endswith("Your password was changed")
    assert "Browser: Firefox on Windows" in email.body


@worker_db
def test_turning_2fa_on_and_off_and_new_recovery_codes_are_each_reported(
    trainer, password, monkeypatch
):
    clock = controlled_clock(monkeypatch)
    client = browser()
    sign_in(client, trainer, password)
    notices()

    secret = client.get("/account/two-factor/enrol/").context["secret"]
    client.post("/account/two-factor/enrol/", {"code": code_at(secret, clock.now)})
    clock.advance(30)
    client.post("/account/two-factor/recovery-codes/", {"code": code_at(secret, clock.now)})
    clock.advance(30)
    client.post(
        "/account/two-factor/disable/",
        {"password": password, "code": code_at(secret, clock.now)},
    )
    subjects = [email.subject.split(": ", 1)[1] for email in notices()]
    assert subjects == [
        "Two-factor authentication is on",
        "New recovery codes were made",
        "Two-factor authentication is off",
    ]


@worker_db
def test_signing_in_with_a_recovery_code_is_reported_with_the_codes_left(
    trainer, password, monkeypatch
):
    clock = controlled_clock(monkeypatch)
    _secret, codes = enrol(trainer, clock)
    client = browser()
    client.post(LOGIN_URL, {"username": trainer.email, "password": password})
    client.post("/account/login/code/", {"code": codes[0]})
    assert "_auth_user_id" in client.session
    emails = notices()
    [used] = [e for e in emails if e.subject.endswith("A recovery code was used to sign in")]
    assert "Recovery codes left: 9" in used.body


@worker_db
def test_a_password_reset_is_reported(trainer):
    ask_for_reset(trainer.email)
    run_worker()
    choose_new_password(reset_link())
    mail.outbox.clear()  # the reset email itself
    [email] = notices()
    assert email.to == [trainer.email]
    assert email.subject.endswith("Your password was reset")


@worker_db
def test_a_failed_sign_in_sends_nothing(trainer, password):
    sign_in(browser(), trainer, password)
    notices()
    response = browser(SAFARI).post(
        LOGIN_URL, {"username": trainer.email, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert notices() == []
    assert AuditEntry.objects.filter(action="auth.login").count() == 1
