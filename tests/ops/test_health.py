"""/health/live and /health/ready: for load balancers, anonymous, never cached, no cookies."""

import socket

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from fitnesscrm.ops import health

CHECK_NAMES = {"database", "cache", "task_queue"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_check_reported(check: dict, status: str) -> None:
    assert check["status"] == status
    assert isinstance(check["latency_ms"], int | float)
    assert not isinstance(check["latency_ms"], bool)
    assert check["latency_ms"] >= 0


def assert_health_answer(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]
    return response.json()


class BrokenCache:
    """A cache whose server has gone away."""

    def set(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis://:s3cret@cache.internal:6379")

    def get(self, *args, **kwargs):  # pragma: no cover - set fails first
        raise ConnectionError("unreachable")

    def delete(self, *args, **kwargs):  # pragma: no cover
        raise ConnectionError("unreachable")


class BrokenConnection:
    """A database connection that cannot be opened."""

    def cursor(self):
        raise OperationalError(
            'connection to server at "db.internal" failed: password authentication failed'
        )


def test_live_answers_ok_to_an_anonymous_caller(db):
    body = assert_health_answer(Client().get("/health/live"), 200)
    assert body == {"status": "ok"}


def test_live_needs_no_database(monkeypatch):
    monkeypatch.setattr(health, "connection", BrokenConnection())
    assert assert_health_answer(Client().get("/health/live"), 200) == {"status": "ok"}


def test_ready_reports_each_check_ok_with_its_latency(db):
    body = assert_health_answer(Client().get("/health/ready"), 200)
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECK_NAMES
    for check in body["checks"].values():
        assert_check_reported(check, "ok")


def test_ready_reports_how_many_tasks_wait(db):
    from fitnesscrm.core.tasks import send_email

    send_email.enqueue(to=["a@example.test"], subject="Hi", text="Hello")
    queue = Client().get("/health/ready").json()["checks"]["task_queue"]
    assert queue["waiting"] == 1
    assert queue["oldest_waiting_seconds"] >= 0


def test_ready_answers_503_when_the_cache_fails_and_still_reports_the_rest(db, monkeypatch):
    monkeypatch.setattr(health, "cache", BrokenCache())
    body = assert_health_answer(Client().get("/health/ready"), 503)
    assert body["status"] == "fail"
    assert set(body["checks"]) == CHECK_NAMES
    assert_check_reported(body["checks"]["cache"], "fail")
    assert_check_reported(body["checks"]["database"], "ok")
    assert_check_reported(body["checks"]["task_queue"], "ok")


def test_ready_answers_503_when_redis_is_unreachable(db):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        }
    }
    with override_settings(CACHES=unreachable):
        body = assert_health_answer(Client().get("/health/ready"), 503)
    assert_check_reported(body["checks"]["cache"], "fail")
    assert_check_reported(body["checks"]["database"], "ok")


def test_ready_answers_503_when_the_database_fails_and_still_reports_the_rest(db, monkeypatch):
    monkeypatch.setattr(health, "connection", BrokenConnection())
    body = assert_health_answer(Client().get("/health/ready"), 503)
    assert body["status"] == "fail"
    assert set(body["checks"]) == CHECK_NAMES
    assert_check_reported(body["checks"]["database"], "fail")
    assert_check_reported(body["checks"]["cache"], "ok")


def test_a_failed_check_names_the_error_but_does_not_show_its_message_to_the_public(
    db, monkeypatch
):
    monkeypatch.setattr(health, "cache", BrokenCache())
    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = Client().get("/health/ready")
    checks = response.json()["checks"]
    assert checks["cache"]["error"] == "ConnectionError"
    assert checks["database"]["error"] == "OperationalError"
    assert b"s3cret" not in response.content
    assert b"db.internal" not in response.content


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_health_sets_no_cookie_even_for_a_signed_in_caller(owner, login, path):
    response = login(owner).get(path)
    assert response.status_code == 200
    assert not response.cookies


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_health_is_not_redirected_to_https(db, path):
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = Client().get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_health_refuses_writes(db, path):
    assert Client().post(path).status_code == 405


@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_health_answers_a_head_probe(db, path):
    response = Client().head(path)
    assert response.status_code == 200
    assert response.content == b""
