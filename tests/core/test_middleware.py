"""Every request gets an id and a client address, which audit entries and log lines carry."""

import io
import json
import logging
import re

import pytest
from django.test import Client, override_settings

from fitnesscrm.accounts import services
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.logging import JsonFormatter, RequestContextFilter
from fitnesscrm.core.models import AuditEntry

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
PROXY = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}


def create_key(client: Client, **extra):
    return client.post(
        "/api/v1/me/api-keys", {"name": "Zapier"}, content_type="application/json", **extra
    )


@pytest.mark.parametrize(
    "path",
    ["/account/login/", "/api/v1/me", "/api/v1/nowhere", "/health/live", "/no-such-page/"],
)
def test_every_response_carries_a_request_id(db, path):
    response = Client().get(path)
    assert GENERATED_ID.match(response["X-Request-ID"])


def test_each_request_gets_its_own_id(db):
    client = Client()
    ids = {client.get("/health/live")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize(
    "incoming", ["abc-123", "7f3c9e1a-5b2d-4c8e-9f01-23456789abcd", "edge.lb_01.42", "x" * 64]
)
def test_a_safe_incoming_request_id_is_echoed(db, incoming):
    response = Client().get("/health/live", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["<script>alert(1)</script>", "two words", "x" * 65, "abc\n", "abc\r\nSet-Cookie: a=b", "é"],
)
def test_an_unsafe_incoming_request_id_is_replaced(db, incoming):
    response = Client().get("/health/live", HTTP_X_REQUEST_ID=incoming)
    assert response.status_code == 200
    assert GENERATED_ID.match(response["X-Request-ID"])
    assert "Set-Cookie" not in response


def test_an_error_answer_carries_the_request_id_too(owner, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "api_key_create", explode)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = create_key(client, headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-500"


def test_audit_entries_carry_the_request_id_and_client_address(owner, login):
    response = create_key(
        login(owner), headers={"X-Request-ID": "req-42"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 201
    entry = AuditEntry.objects.get(action="apikey.create")
    assert (entry.request_id, entry.ip) == ("req-42", "203.0.113.9")


def test_audit_entries_of_a_request_without_an_id_carry_the_generated_one(owner, login):
    response = create_key(login(owner))
    entry = AuditEntry.objects.get(action="apikey.create")
    assert entry.request_id == response["X-Request-ID"]


def test_audit_entries_outside_a_request_have_no_request_id_or_address(owner):
    create_key(Client(), REMOTE_ADDR="203.0.113.9")  # a request came and went
    entry = audit_record(actor=owner, action="system.check")
    assert (entry.request_id, entry.ip) == ("", None)


def test_without_a_proxy_x_forwarded_for_is_ignored(owner, login):
    create_key(login(owner), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert AuditEntry.objects.get(action="apikey.create").ip == "203.0.113.9"


def test_behind_the_proxy_the_address_is_the_last_x_forwarded_for_hop(owner, login):
    with override_settings(**PROXY):
        create_key(
            login(owner),
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.50",
        )
    assert AuditEntry.objects.get(action="apikey.create").ip == "203.0.113.50"


def test_behind_the_proxy_an_ipv6_client_address_is_kept(owner, login):
    with override_settings(**PROXY):
        create_key(login(owner), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="2001:db8::1")
    assert AuditEntry.objects.get(action="apikey.create").ip == "2001:db8::1"


@pytest.mark.parametrize(
    "forwarded", ["not-an-address", "203.0.113.50, unknown", " , ", "203.0.113.50:443"]
)
def test_behind_the_proxy_a_forwarded_hop_that_is_not_an_address_is_ignored(
    owner, login, forwarded
):
    with override_settings(**PROXY):
        response = create_key(login(owner), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 201
    assert AuditEntry.objects.get(action="apikey.create").ip == "10.0.0.2"


def test_a_sign_in_is_audited_with_the_address_it_came_from(owner, password):
    with override_settings(**PROXY):
        Client().post(
            "/account/login/",
            {"username": owner.email, "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.77",
            headers={"X-Request-ID": "login-1"},
        )
    entry = AuditEntry.objects.get(action="auth.login")
    assert (entry.ip, entry.request_id) == ("203.0.113.77", "login-1")


def test_log_lines_written_during_a_request_carry_its_id(owner, login):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    client = login(owner)  # signing in is logged too, outside any request
    audit_logger = logging.getLogger("fitnesscrm.core.audit")
    audit_logger.addHandler(handler)
    try:
        create_key(client, headers={"X-Request-ID": "log-7"})
    finally:
        audit_logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines, "the audit helper logs what it records"
    assert {line["request_id"] for line in lines} == {"log-7"}
    assert all(line["level"] and line["time"] and line["logger"] for line in lines)
