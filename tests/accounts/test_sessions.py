"""Signed-in sessions: new key at sign-in, idle and absolute timeouts, the list of a
user's sessions, ending one or all others, and the account changes that end them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fitnesscrm.accounts import session_tracking
from fitnesscrm.accounts.models import LoginThrottle, UserSession
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.trainers import services as staff_services
from tests.accounts.conftest import CLIENT_IP, LOGIN_URL
from tests.factories import UserFactory

SESSIONS_URL = "/account/sessions/"
CHANGE_URL = "/account/password/change/"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def clock(monkeypatch):
    """`clock.advance(minutes=…)` moves the time every part of Django reads."""

    class Clock:
        def __init__(self):
            self.now = timezone.now()
            monkeypatch.setattr(timezone, "now", lambda: self.now)

        def advance(self, **delta):
            self.now += timedelta(**delta)

    return Clock()


@pytest.fixture
def browser_for(password):
    """`browser_for(user, agent)`: a test client signed in through the login form."""

    def _browser(user, agent: str = FIREFOX) -> Client:
        client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=CLIENT_IP)
        response = client.post(LOGIN_URL, {"username": user.email, "password": password})
        assert response.status_code == 302, "the sign-in was refused"
        return client

    return _browser


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def is_signed_in(client: Client, page: str = SESSIONS_URL) -> bool:
    """Whether the browser's cookie still opens a page (else it is sent to sign in)."""
    response = client.get(page)
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN_URL)
        return False
    assert response.status_code == 200
    return True


def listed_devices(client: Client) -> list[tuple[str, bool]]:
    response = client.get(SESSIONS_URL)
    assert response.status_code == 200
    return [(item["device"], item["current"]) for item in response.context["sessions"]]


def store_has(key: str) -> bool:
    """The session is in the store: the database row (and, with Redis, the cache)."""
    return session_tracking._store(key).exists(key)


# --- A new session at sign-in -----------------------------------------------------------


def test_signing_in_gives_the_browser_a_new_session_key(trainer, password):
    client = Client()
    session = client.session  # a session that exists before signing in
    session["planted"] = True
    session.save()
    before = session.session_key

    client.post(LOGIN_URL, {"username": trainer.email, "password": password})

    after = session_key(client)
    assert after != before
    assert not store_has(before)
    assert UserSession.objects.get(session_key=after).user == trainer


def test_a_sign_in_records_the_device_address_and_time(trainer, browser_for, clock):
    client = browser_for(trainer, SAFARI_IPHONE)

    row = UserSession.objects.get(user=trainer)
    assert row.session_key == session_key(client)
    assert row.ip == CLIENT_IP
    assert row.signed_in_at == clock.now
    assert session_tracking.device_label(row.user_agent) == "Safari on iPhone"


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("curl/8.5.0", "Other client"),
        ("", "Unknown device"),
    ],
)
def test_the_device_is_named_from_the_user_agent(agent, label):
    assert session_tracking.device_label(agent) == label


# --- Timeouts ---------------------------------------------------------------------------


def test_a_staff_session_ends_after_an_hour_without_use(trainer, browser_for, clock):
    client = browser_for(trainer)
    key = session_key(client)
    clock.advance(minutes=59)
    assert is_signed_in(client)  # activity: the hour starts again

    clock.advance(minutes=61)
    response = client.get("/trainer/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/trainer/"
    page = client.get(response["Location"])
    assert "Your session expired. Sign in again to continue." in page.text
    assert not store_has(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    assert AuditEntry.objects.filter(action="auth.session_expired", object_id=str(trainer.pk))


def test_a_client_session_lasts_longer_without_use_than_a_staff_one(
    client_user, browser_for, clock
):
    client = browser_for(client_user)

    clock.advance(hours=7, minutes=50)
    assert is_signed_in(client, "/portal/")
    clock.advance(hours=8, minutes=1)
    assert not is_signed_in(client, "/portal/")


def test_a_session_ends_12_hours_after_sign_in_however_active(client_user, browser_for, clock):
    client = browser_for(client_user)

    for _ in range(11):
        clock.advance(hours=1)
        assert is_signed_in(client, "/portal/")
    clock.advance(minutes=59)
    assert is_signed_in(client, "/portal/")
    clock.advance(minutes=2)
    assert not is_signed_in(client, "/portal/")


def test_an_expired_htmx_request_is_sent_to_sign_in_as_a_whole_page(trainer, browser_for, clock):
    client = browser_for(trainer)
    clock.advance(hours=2)

    response = client.get("/clients/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN_URL}?next=/clients/"


def test_an_expired_session_gets_401_from_the_api(trainer, browser_for, clock):
    client = browser_for(trainer)
    assert client.get("/api/v1/clients").status_code == 200
    clock.advance(hours=2)

    response = client.get("/api/v1/clients")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_api_key_requests_have_no_session_and_no_timeout(trainer, make_api_key, clock):
    _key, raw_key = make_api_key(trainer)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    assert api.get("/api/v1/clients").status_code == 200
    clock.advance(days=2)
    response = api.get("/api/v1/clients")

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not UserSession.objects.exists()
    assert not Session.objects.exists()


def test_last_activity_is_written_at_most_once_a_minute(trainer, browser_for, clock):
    client = browser_for(trainer)
    signed_in = clock.now
    clock.advance(seconds=30)
    assert is_signed_in(client)
    assert UserSession.objects.get(user=trainer).last_activity_at == signed_in

    clock.advance(seconds=31)
    assert is_signed_in(client)
    assert UserSession.objects.get(user=trainer).last_activity_at == clock.now


# --- The list of sessions ------------------------------------------------------------------


def test_the_list_shows_each_browser_and_marks_the_current_one(
    trainer, browser_for, django_assert_max_num_queries
):
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer, FIREFOX)
    for _ in range(3):
        browser_for(trainer, FIREFOX)

    with django_assert_max_num_queries(8):
        response = desk.get(SESSIONS_URL)

    devices = [(item["device"], item["current"]) for item in response.context["sessions"]]
    expected = [("Safari on iPhone", False), *[("Firefox on Windows", False)] * 3]
    assert sorted(devices) == sorted([*expected, ("Firefox on Windows", True)])
    assert response.text.count('data-testid="current-session"') == 1
    assert CLIENT_IP in response.text
    assert listed_devices(phone).count(("Safari on iPhone", True)) == 1


def test_the_list_shows_no_session_of_anyone_else(trainer, manager, browser_for):
    browser_for(manager, SAFARI_IPHONE)
    own = browser_for(trainer)

    assert listed_devices(own) == [("Firefox on Windows", True)]


def test_a_session_that_timed_out_unused_is_not_listed(trainer, browser_for, clock):
    old = browser_for(trainer, SAFARI_IPHONE)
    clock.advance(minutes=50)
    current = browser_for(trainer)
    clock.advance(minutes=20)  # the phone idle for 70 minutes, this one for 20

    assert listed_devices(current) == [("Firefox on Windows", True)]
    assert not is_signed_in(old)


def test_the_account_menu_links_to_the_sessions_page(client_user, browser_for):
    page = browser_for(client_user).get("/portal/")

    assert f'href="{SESSIONS_URL}"' in page.text
    assert "Active sessions" in page.text


# --- Ending sessions -------------------------------------------------------------------------


def test_ending_another_session_signs_that_browser_out(trainer, browser_for):
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer, FIREFOX)
    phone_key = session_key(phone)
    row = UserSession.objects.get(session_key=phone_key)

    response = desk.post(f"/account/sessions/{row.pk}/end/", follow=True)

    assert response.redirect_chain == [(SESSIONS_URL, 302)]
    assert "The session on Safari on iPhone has ended" in response.text
    assert not store_has(phone_key)
    assert not is_signed_in(phone)
    assert is_signed_in(desk)
    assert listed_devices(desk) == [("Firefox on Windows", True)]
    assert AuditEntry.objects.filter(action="auth.session_end", actor=trainer).count() == 1


def test_an_ended_session_is_gone_from_the_cache_as_well(trainer, browser_for, settings):
    """With the cache-backed engine (Redis in production) the cached copy goes too."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    cache.clear()
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer, FIREFOX)
    assert is_signed_in(phone)  # read once: now in the cache
    phone_key = session_key(phone)
    cache_key = session_tracking._store(phone_key).cache_key
    assert cache.get(cache_key) is not None

    row = UserSession.objects.get(session_key=phone_key)
    desk.post(f"/account/sessions/{row.pk}/end/")

    assert cache.get(cache_key) is None
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert not is_signed_in(phone)
    assert is_signed_in(desk)


def test_ending_all_other_sessions_keeps_only_this_one(trainer, manager, browser_for):
    others = [browser_for(trainer, SAFARI_IPHONE), browser_for(trainer, FIREFOX)]
    colleague = browser_for(manager)
    desk = browser_for(trainer)

    response = desk.post("/account/sessions/end-others/", follow=True)

    assert "2 other sessions ended; only this one is signed in." in response.text
    assert [is_signed_in(other) for other in others] == [False, False]
    assert is_signed_in(desk)
    assert is_signed_in(colleague)
    assert list(UserSession.objects.filter(user=trainer).values_list("session_key", flat=True)) == [
        session_key(desk)
    ]


def test_ending_the_current_session_signs_out_here(trainer, browser_for):
    desk = browser_for(trainer)
    row = UserSession.objects.get(session_key=session_key(desk))

    response = desk.post(f"/account/sessions/{row.pk}/end/")

    assert response["Location"] == LOGIN_URL
    assert not is_signed_in(desk)
    assert not UserSession.objects.filter(user=trainer).exists()


CONFIRM_URL = "/account/confirm-password/"


def test_ending_other_sessions_long_after_signing_in_asks_for_the_password_first(
    trainer, password, browser_for, clock
):
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer)
    clock.advance(minutes=11)
    desk.get(SESSIONS_URL)  # in use all along: not idle

    response = desk.post("/account/sessions/end-others/")
    assert response["Location"] == f"{CONFIRM_URL}?next=%2Faccount%2Fsessions%2F"
    assert is_signed_in(phone)
    row = UserSession.objects.get(session_key=session_key(phone))
    assert desk.post(f"/account/sessions/{row.pk}/end/")["Location"].startswith(CONFIRM_URL)
    assert is_signed_in(phone)

    page = desk.get(response["Location"])
    assert "Confirm your password" in page.text
    wrong = desk.post(CONFIRM_URL, {"password": "not-my-password", "next": SESSIONS_URL})
    assert wrong.status_code == 400
    assert "That is not your password." in wrong.text
    assert LoginThrottle.objects.get(scope="account", key=trainer.email).failures == 1

    right = desk.post(CONFIRM_URL, {"password": password, "next": SESSIONS_URL})
    assert right["Location"] == SESSIONS_URL
    assert AuditEntry.objects.filter(action="auth.reauth", actor=trainer).count() == 1
    response = desk.post("/account/sessions/end-others/", follow=True)
    assert "1 other session ended; only this one is signed in." in response.text
    assert not is_signed_in(phone)

    # Confirmed 11 minutes ago: asked again.
    browser_for(trainer, SAFARI_IPHONE)
    clock.advance(minutes=11)
    desk.get(SESSIONS_URL)
    assert desk.post("/account/sessions/end-others/")["Location"].startswith(CONFIRM_URL)


def test_signing_out_here_never_asks_for_the_password(trainer, browser_for, clock):
    desk = browser_for(trainer)
    clock.advance(minutes=30)
    desk.get(SESSIONS_URL)
    row = UserSession.objects.get(session_key=session_key(desk))
    assert desk.post(f"/account/sessions/{row.pk}/end/")["Location"] == LOGIN_URL
    assert not is_signed_in(desk)


def test_the_confirmation_goes_back_only_to_this_site(trainer, password, browser_for):
    desk = browser_for(trainer)
    response = desk.post(CONFIRM_URL, {"password": password, "next": "https://evil.example/steal"})
    assert response["Location"] == SESSIONS_URL


def test_another_users_session_cannot_be_ended(trainer, manager, browser_for):
    colleague = browser_for(manager)
    row = UserSession.objects.get(session_key=session_key(colleague))
    desk = browser_for(trainer)

    for session_id in (row.pk, 987654):
        response = desk.post(f"/account/sessions/{session_id}/end/")
        assert response.status_code == 404

    assert is_signed_in(colleague)
    assert UserSession.objects.filter(pk=row.pk).exists()
    assert not AuditEntry.objects.filter(action="auth.session_end").exists()


def test_ending_a_session_needs_a_post(trainer, browser_for):
    desk = browser_for(trainer)
    row = UserSession.objects.get(session_key=session_key(desk))

    assert desk.get(f"/account/sessions/{row.pk}/end/").status_code == 405
    assert desk.get("/account/sessions/end-others/").status_code == 405
    assert is_signed_in(desk)


def test_signing_out_removes_the_session_from_the_list(trainer, browser_for):
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer)

    phone.post("/account/logout/")

    assert listed_devices(desk) == [("Firefox on Windows", True)]


# --- Account changes that end sessions ---------------------------------------------------------


def test_a_password_change_ends_the_other_sessions_and_renews_this_ones_key(
    trainer, password, browser_for
):
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer)
    old_key = session_key(desk)

    response = desk.post(
        CHANGE_URL,
        {
            "old_password": password,
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )

    assert response.status_code == 302
    new_key = session_key(desk)
    assert new_key != old_key
    assert not store_has(old_key)
    assert is_signed_in(desk)
    assert not is_signed_in(phone)
    assert list(UserSession.objects.filter(user=trainer).values_list("session_key", flat=True)) == [
        new_key
    ]
    assert listed_devices(desk) == [("Firefox on Windows", True)]


def test_a_password_reset_ends_every_session(trainer, browser_for):
    phone = browser_for(trainer, SAFARI_IPHONE)
    desk = browser_for(trainer)

    # What the reset form does with the new password (tests/accounts/test_passwords.py
    # follows the emailed link).
    trainer.set_password("a-much-longer-passphrase-42")
    trainer.save()

    assert not is_signed_in(phone)
    assert not is_signed_in(desk)
    assert not UserSession.objects.filter(user=trainer).exists()
    assert AuditEntry.objects.filter(action="auth.sessions_ended", object_id=str(trainer.pk))


def test_deactivating_an_account_ends_its_sessions(trainer, owner, browser_for):
    phone = browser_for(trainer, SAFARI_IPHONE)
    phone_key = session_key(phone)
    boss = browser_for(owner)

    staff_services.staff_set_active(actor=owner, user=trainer, active=False)

    assert not store_has(phone_key)
    assert not UserSession.objects.filter(user=trainer).exists()
    assert not is_signed_in(phone)
    assert is_signed_in(boss)


def test_saving_an_account_without_a_change_of_password_or_status_ends_nothing(
    trainer, browser_for
):
    desk = browser_for(trainer)

    trainer.full_name = "Tom T. Trainer"
    trainer.save()

    assert is_signed_in(desk)


def test_a_new_account_is_saved_without_touching_anyones_sessions(trainer, browser_for):
    desk = browser_for(trainer)

    UserFactory(email="new@example.test")

    assert is_signed_in(desk)
