"""Every failure under /api/v1 answers one JSON shape with the right status, never HTML or a 500."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.test import Client, override_settings
from django.utils import timezone

from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import ApiKey

KEYS_URL = "/api/v1/me/api-keys"
TEN_MB = 10 * 1024 * 1024


def assert_api_error(response, status: int, code: str) -> dict:
    """The response is the API error shape with `status` and `code`; returns the body."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] == code
    assert isinstance(body["errors"], list)
    assert b"Traceback" not in response.content
    assert b"<html" not in response.content.lower()
    return body


def post_json(client: Client, url: str, data, **extra):
    payload = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url, payload, content_type="application/json", **extra)


# --- Routing -----------------------------------------------------------------


def test_an_unknown_api_route_answers_404_json(db):
    assert_api_error(Client().get("/api/v1/no-such-thing"), 404, "not_found")


def test_an_unknown_api_route_answers_json_even_with_debug_on(db):
    with override_settings(DEBUG=True):
        response = Client().get("/api/v1/no-such-thing")
    assert_api_error(response, 404, "not_found")


def test_a_key_id_that_is_not_a_number_answers_422_naming_the_path_parameter(owner, login):
    body = assert_api_error(login(owner).delete(f"{KEYS_URL}/abc"), 422, "validation_error")
    assert [(e["field"], e["location"]) for e in body["errors"]] == [("key_id", "path")]


def test_a_request_for_a_host_that_is_not_allowed_answers_400_json(db):
    response = Client(HTTP_HOST="evil.example").get("/api/v1/me")
    assert_api_error(response, 400, "bad_request")


def test_a_wrong_method_answers_405_json_naming_the_allowed_methods(owner, login):
    response = login(owner).put("/api/v1/me")
    assert_api_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


# --- Request bodies ----------------------------------------------------------------


def test_a_body_that_is_not_json_answers_400_malformed_json(owner, login):
    response = post_json(login(owner), KEYS_URL, '{"name": "Zapier"')
    assert_api_error(response, 400, "malformed_json")
    assert not ApiKey.objects.exists()


def test_a_body_over_10_mb_answers_413_before_anything_else_runs(db):
    response = post_json(Client(), KEYS_URL, b"x" * (TEN_MB + 1))
    assert_api_error(response, 413, "payload_too_large")


def test_a_body_of_exactly_10_mb_is_not_refused_for_its_size(owner, login):
    response = post_json(login(owner), KEYS_URL, b" " * (TEN_MB - 2) + b"{}")
    assert_api_error(response, 422, "validation_error")


def _asgi_post(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> dict:
    """POST through the ASGI handler, the body sent in chunks with no Content-Length."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        # Nothing more to read: the client waits for the answer.
        await _forever()

    async def send(message):
        sent.append(message)

    async_to_sync(ASGIHandler())(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return {"status": start["status"], "headers": dict(start["headers"]), "body": body}


async def _forever():
    import asyncio

    await asyncio.Event().wait()


def test_a_chunked_body_over_10_mb_without_content_length_answers_413_json(
    transactional_db, owner, api_key_for
):
    # transactional_db: the ASGI handler closes the connection at the start of the
    # request, as in production, which the test client's wrapping transaction forbids.
    raw = api_key_for(owner)
    chunk = b"x" * (1024 * 1024)
    answer = _asgi_post(
        KEYS_URL,
        [(b"authorization", f"Bearer {raw}".encode()), (b"content-type", b"application/json")],
        [chunk] * 11,
    )
    assert answer["status"] == 413
    assert answer["headers"][b"Content-Type"].startswith(b"application/json")
    assert json.loads(answer["body"])["code"] == "payload_too_large"
    assert ApiKey.objects.filter(user=owner).count() == 1


@pytest.mark.parametrize(
    ("payload", "why"),
    [({"name": ""}, "empty"), ({"name": "x" * 101}, "too long"), ({}, "missing")],
)
def test_an_invalid_key_name_answers_422_naming_the_field(owner, login, payload, why):
    body = assert_api_error(post_json(login(owner), KEYS_URL, payload), 422, "validation_error")
    assert [error["field"] for error in body["errors"]] == ["name"], why
    assert all(error["message"] for error in body["errors"])
    assert not ApiKey.objects.exists()


def test_a_blank_key_name_answers_422_naming_the_field(owner, login):
    body = assert_api_error(
        post_json(login(owner), KEYS_URL, {"name": "   "}), 422, "validation_error"
    )
    assert [error["field"] for error in body["errors"]] == ["name"]


def test_a_key_name_of_100_characters_is_accepted(owner, login):
    response = post_json(login(owner), KEYS_URL, {"name": "x" * 100})
    assert response.status_code == 201
    assert response.json()["name"] == "x" * 100


# --- Authentication ----------------------------------------------------------------


def test_a_caller_without_credentials_gets_401_with_www_authenticate(db):
    response = Client().get("/api/v1/me")
    assert_api_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_anonymous_post_gets_401_not_a_csrf_failure(db):
    response = post_json(Client(enforce_csrf_checks=True), KEYS_URL, {"name": "Zapier"})
    assert_api_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_malformed_bearer_key_is_refused_as_malformed(db, bearer):
    response = bearer("not-a-key").get("/api/v1/me")
    body = assert_api_error(response, 401, "not_authenticated")
    assert "Malformed API key" in body["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_bearer_key_is_refused_as_unknown(db, bearer):
    body = assert_api_error(
        bearer("fcrm_0123456789ab_notarealsecret").get("/api/v1/me"), 401, "not_authenticated"
    )
    assert body["detail"] == "Unknown API key."


def test_a_key_with_a_known_prefix_but_wrong_secret_is_refused_as_unknown(
    owner, api_key_for, bearer
):
    raw = api_key_for(owner)
    forged = raw.rsplit("_", 1)[0] + "_guessed"
    body = assert_api_error(bearer(forged).get("/api/v1/me"), 401, "not_authenticated")
    assert body["detail"] == "Unknown API key."


def test_a_revoked_key_is_refused_as_revoked(owner, api_key_for, bearer):
    raw = api_key_for(owner)
    ApiKey.objects.filter(user=owner).update(revoked_at=timezone.now())
    body = assert_api_error(bearer(raw).get("/api/v1/me"), 401, "not_authenticated")
    assert "revoked" in body["detail"]


def test_the_key_of_a_disabled_user_is_refused_as_disabled(trainer, api_key_for, bearer):
    raw = api_key_for(trainer)
    trainer.is_active = False
    trainer.save(update_fields=["is_active"])
    body = assert_api_error(bearer(raw).get("/api/v1/me"), 401, "not_authenticated")
    assert "disabled" in body["detail"]


def test_an_authorization_scheme_other_than_bearer_is_refused(db):
    client = Client(headers={"Authorization": "Basic b3duZXJAZXhhbXBsZS50ZXN0OnB3"})
    body = assert_api_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert "Bearer" in body["detail"]


def test_a_bad_bearer_key_is_refused_even_with_a_signed_in_session(owner, login):
    client = login(owner)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer fcrm_x_y"})
    assert_api_error(response, 401, "not_authenticated")


def test_a_disabled_user_with_a_live_session_is_not_authenticated(trainer, login):
    client = login(trainer)
    trainer.is_active = False
    trainer.save(update_fields=["is_active"])
    assert_api_error(client.get("/api/v1/me"), 401, "not_authenticated")


# --- CSRF with a session --------------------------------------------------------------


def _session_client_with_csrf_cookie(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    # The docs page, like every page with a form, hands the browser its CSRF cookie.
    assert client.get("/api/v1/docs").status_code == 200
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def test_a_session_post_without_the_csrf_token_is_refused_403(owner):
    client, _token = _session_client_with_csrf_cookie(owner)
    response = post_json(client, KEYS_URL, {"name": "Zapier"})
    assert_api_error(response, 403, "csrf_failed")
    assert not ApiKey.objects.exists()


def test_a_session_post_with_the_csrf_token_creates_the_key(owner):
    client, token = _session_client_with_csrf_cookie(owner)
    response = post_json(client, KEYS_URL, {"name": "Zapier"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert response.json()["name"] == "Zapier"
    assert ApiKey.objects.filter(user=owner, name="Zapier").exists()


def test_a_bearer_post_needs_no_csrf_token(owner, api_key_for):
    raw = api_key_for(owner)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    assert post_json(client, KEYS_URL, {"name": "Second"}).status_code == 201


# --- Permissions ---------------------------------------------------------------------


def test_a_client_cannot_create_an_api_key(client_user, login):
    assert_api_error(post_json(login(client_user), KEYS_URL, {"name": "Mine"}), 403, "forbidden")
    assert not ApiKey.objects.exists()


def test_revoking_someone_elses_key_answers_404_and_the_key_stays_active(
    manager, trainer, api_key_for, login
):
    api_key_for(manager)
    key = ApiKey.objects.get(user=manager)
    assert_api_error(login(trainer).delete(f"{KEYS_URL}/{key.pk}"), 404, "not_found")
    key.refresh_from_db()
    assert key.revoked_at is None


def test_revoking_a_key_that_does_not_exist_answers_404(trainer, login):
    assert_api_error(login(trainer).delete(f"{KEYS_URL}/999999"), 404, "not_found")


def test_revoking_ones_own_key_answers_204_and_the_key_stops_working(trainer, api_key_for, bearer):
    raw = api_key_for(trainer)
    key = ApiKey.objects.get(user=trainer)
    response = bearer(raw).delete(f"{KEYS_URL}/{key.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert_api_error(bearer(raw).get("/api/v1/me"), 401, "not_authenticated")


def test_an_owner_may_revoke_a_staff_members_key(owner, trainer, api_key_for, login):
    api_key_for(trainer)
    key = ApiKey.objects.get(user=trainer)
    assert login(owner).delete(f"{KEYS_URL}/{key.pk}").status_code == 204
    key.refresh_from_db()
    assert key.revoked_at is not None


# --- Unexpected errors ----------------------------------------------------------------


def test_an_unexpected_error_answers_500_json_without_a_traceback(owner, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(services, "api_key_create", explode)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = post_json(client, KEYS_URL, {"name": "Zapier"})
    body = assert_api_error(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "RuntimeError" not in body["detail"]


def test_an_unexpected_error_answers_json_even_with_debug_on(owner, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(services, "api_key_create", explode)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    with override_settings(DEBUG=True):
        response = post_json(client, KEYS_URL, {"name": "Zapier"})
    assert_api_error(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
