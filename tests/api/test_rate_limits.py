"""Rate limits as a user meets them: the API per key, per user and per address, bookings
(pages and API) and password reset requests; 429 with Retry-After each time."""

import pytest
from django.core.cache import cache
from django.test import Client
from django_tasks_db.models import DBTaskResult

from fitnesscrm.accounts import services
from fitnesscrm.core.roles import Role
from tests.api.test_errors import assert_api_error
from tests.factories import UserFactory

ME = "/api/v1/me"
RESET_URL = "/account/password/reset/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def bearer(raw: str, ip: str = "198.51.100.1") -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"}, REMOTE_ADDR=ip)


def assert_limited(response) -> dict:
    body = assert_api_error(response, 429, "rate_limited")
    assert body["errors"] == []
    assert 1 <= int(response["Retry-After"]) <= 60
    return body


# --- The API -------------------------------------------------------------------------------


def test_an_api_key_over_its_limit_gets_429_with_retry_after_and_another_key_does_not(
    trainer, settings
):
    settings.RATE_LIMIT_API_KEY = "3/minute"
    _key, first = services.api_key_create(user=trainer, name="One")
    _key, second = services.api_key_create(user=trainer, name="Two")

    answers = [bearer(first).get(ME).status_code for _ in range(3)]
    refused = bearer(first).get(ME)

    assert answers == [200, 200, 200]
    body = assert_limited(refused)
    assert "API key" in body["detail"] and "3 per minute" in body["detail"]
    # The limit is the key's, not the address's: another key from there still works.
    assert bearer(second).get(ME).status_code == 200


def test_the_key_limit_holds_whichever_address_the_key_comes_from(trainer, settings):
    settings.RATE_LIMIT_API_KEY = "2/minute"
    _key, raw = services.api_key_create(user=trainer, name="Roaming")

    bearer(raw, "198.51.100.1").get(ME)
    bearer(raw, "198.51.100.2").get(ME)

    assert_limited(bearer(raw, "198.51.100.3").get(ME))


def test_a_signed_in_session_is_limited_per_user(trainer, login, settings):
    settings.RATE_LIMIT_API_KEY = "2/minute"
    client = login(trainer)

    assert [client.get(ME).status_code for _ in range(2)] == [200, 200]
    assert_limited(client.get(ME))


def test_requests_without_valid_credentials_are_limited_per_address(db, settings):
    settings.RATE_LIMIT_API_ANONYMOUS_IP = "3/minute"
    anonymous = Client(REMOTE_ADDR="198.51.100.9")
    bad_key = bearer("fcrm_000000000000_wrong", ip="198.51.100.9")

    answers = [anonymous.get(ME).status_code, bad_key.get(ME).status_code, anonymous.get(ME)]

    assert [answers[0], answers[1], answers[2].status_code] == [401, 401, 401]
    body = assert_limited(bad_key.get(ME))
    assert "without valid credentials" in body["detail"]
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.10").get(ME).status_code == 401


def test_the_api_booking_endpoint_is_limited_per_account(front_desk, settings):
    settings.RATE_LIMIT_BOOKING_ACCOUNT = "2/minute"
    _key, raw = services.api_key_create(user=front_desk, name="Desk")
    client = bearer(raw)

    def book():
        return client.post(
            "/api/v1/bookings",
            {"session_id": 999999, "client_id": 999999},
            content_type="application/json",
        )

    assert [book().status_code for _ in range(2)] == [404, 404]
    body = assert_limited(book())
    assert "bookings from your account" in body["detail"]
    # Other operations of the same key are not affected.
    assert client.get(ME).status_code == 200


# --- Pages ---------------------------------------------------------------------------------


def assert_limited_page(response, text: str) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.content.decode()
    assert "Too many requests" in body
    assert text in body


def test_staff_booking_page_is_limited_per_account(trainer, login, settings):
    settings.RATE_LIMIT_BOOKING_ACCOUNT = "2/minute"
    client = login(trainer)
    url = "/schedule/sessions/999999/book/"

    assert [client.post(url, {"client": 1}).status_code for _ in range(2)] == [404, 404]
    assert_limited_page(client.post(url, {"client": 1}), "Too many bookings from your account")
    # Looking at pages is never counted.
    assert client.get("/schedule/sessions/").status_code == 200


def test_portal_booking_is_limited_per_address_across_accounts(db, login, settings):
    settings.RATE_LIMIT_BOOKING_IP = "2/minute"
    clients = [UserFactory(role=Role.CLIENT) for _ in range(3)]
    url = "/portal/schedule/book/"

    answers = [
        login(user).post(url, {"session": 999999}, REMOTE_ADDR="198.51.100.20").status_code
        for user in clients[:2]
    ]
    refused = login(clients[2]).post(url, {"session": 999999}, REMOTE_ADDR="198.51.100.20")

    assert answers == [404, 404]
    assert_limited_page(refused, "Too many bookings from your network")


def reset_tasks() -> int:
    return DBTaskResult.objects.count()


def test_password_reset_is_limited_per_email_and_sends_nothing_over_the_limit(owner, settings):
    settings.RATE_LIMIT_PASSWORD_RESET_EMAIL = "2/hour"
    ip = iter(f"198.51.100.{n}" for n in range(30, 40))

    answers = [
        Client().post(RESET_URL, {"email": "OWNER@example.test"}, REMOTE_ADDR=next(ip))
        for _ in range(2)
    ]
    queued = reset_tasks()
    refused = Client().post(RESET_URL, {"email": "owner@example.test"}, REMOTE_ADDR=next(ip))

    assert [a.status_code for a in answers] == [302, 302]
    assert queued == 2
    assert_limited_page(refused, "for this email address")
    # Windows follow the clock: the wait is what is left of the current hour's window.
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert reset_tasks() == queued
    # Another address can still be sent a link.
    other = Client().post(RESET_URL, {"email": "someone@example.test"}, REMOTE_ADDR=next(ip))
    assert other.status_code == 302


def test_password_reset_is_limited_per_address_and_showing_the_form_is_free(db, settings):
    settings.RATE_LIMIT_PASSWORD_RESET_IP = "2/hour"
    client = Client(REMOTE_ADDR="198.51.100.50")

    assert client.get(RESET_URL).status_code == 200
    sent = [client.post(RESET_URL, {"email": f"u{n}@example.test"}).status_code for n in (1, 2)]
    refused = client.post(RESET_URL, {"email": "u3@example.test"})

    assert sent == [302, 302]
    assert_limited_page(refused, "from your network")
    assert client.get(RESET_URL).status_code == 200
