"""Error reports reach Sentry (here a local server speaking its protocol) without personal data."""

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse

from fitnesscrm.ops.monitoring import REDACTED, configure_sentry, release
from tests.factories import MemberFactory, give_health_consent

NAME = ("Griselda", "Marchbanks")
EMAIL = "griselda.marchbanks@example.test"
HEALTH = "HEALTH-MARKER type 1 diabetes"
SESSION = settings.SESSION_COOKIE_NAME


class _Collector(BaseHTTPRequestHandler):
    envelopes: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        type(self).envelopes.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    _Collector.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    configure_sentry(
        dsn=f"http://publickey@127.0.0.1:{server.server_port}/42", environment="staging"
    )
    try:
        yield _Collector.envelopes
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.init(dsn=None)
        server.shutdown()
        server.server_close()


def events(envelopes: list[bytes]) -> list[dict]:
    found = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


@pytest.mark.django_db
def test_an_error_arrives_without_the_clients_name_email_or_health_data(
    sentry_server, owner, login, monkeypatch
):
    member = MemberFactory(first_name=NAME[0], last_name=NAME[1], email=EMAIL)
    give_health_consent(member)
    member.health_notes = HEALTH
    member.save()

    from fitnesscrm.clients import selectors

    real_client_get = selectors.client_get

    def failing_client_get(**kwargs):
        client = real_client_get(**kwargs)
        health = client.health_notes  # a local variable holding health data
        raise ValueError(f"cannot show {client.full_name} <{client.email}>: {health}")

    monkeypatch.setattr(selectors, "client_get", failing_client_get)
    browser: Browser = login(owner)
    # Through Django's WSGI handler, as gunicorn calls it (the test client skips it).
    environ = (
        RequestFactory()
        .get(
            reverse("clients:detail", args=[member.pk]),
            {"q": EMAIL},
            HTTP_X_REQUEST_ID="req-sentry-0001",
            HTTP_COOKIE=f"{SESSION}={browser.cookies[SESSION].value}; note={NAME[1]}",
        )
        .environ
    )
    statuses = []
    # As Django's test client does: the handler must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        app = get_wsgi_application()
        b"".join(app(environ, lambda status, headers: statuses.append(status)))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert statuses == ["500 Internal Server Error"]
    sentry_sdk.flush(timeout=5)

    [event] = events(sentry_server)
    raw = b"\n".join(sentry_server).decode()
    for secret in (*NAME, EMAIL, HEALTH, "type 1 diabetes"):
        assert secret not in raw, secret
    # What finds the bug is kept.
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == REDACTED
    frames = exception["stacktrace"]["frames"]
    assert any(frame["function"] == "failing_client_get" for frame in frames)
    assert all("vars" not in frame for frame in frames)
    assert event["environment"] == "staging"
    assert event["release"] == release()
    assert event["tags"]["request_id"] == "req-sentry-0001"
    assert event["request"]["url"].endswith(f"/clients/{member.pk}/")
    assert "cookies" not in event["request"] and "Cookie" not in event["request"]["headers"]
    assert set(event.get("user") or {}) <= {"id"}


def test_without_a_dsn_nothing_is_sent():
    assert sentry_sdk.get_client().dsn is None
