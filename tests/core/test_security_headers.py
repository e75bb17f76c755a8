"""Security headers on every kind of answer: pages, sign-in, API answers and errors, error
pages, a CSRF failure, a served file, a redirect and a static file; HSTS and __Host-
cookies over HTTPS, plain cookie names for the demo on plain HTTP."""

import io
import json
import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import path
from PIL import Image

from fitnesscrm import urls as site_urls
from fitnesscrm.accounts import services
from tests.core.test_settings import PRODUCTION, run_python
from tests.factories import MemberFactory


def _boom(request: HttpRequest):
    raise RuntimeError("a bug in a view")


# A URL configuration for the 500 page: the site's, plus a view that fails.
urlpatterns = [path("test-only/boom/", _boom), *site_urls.urlpatterns]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_headers(response, *, cache: str = "no-store") -> None:
    """The headers every answer of the app carries (static files aside)."""
    directives = csp_directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    for feature in PERMISSIONS:
        assert feature in response["Permissions-Policy"].split(", ")
    directives = {item.strip() for item in response["Cache-Control"].split(",")}
    assert cache in directives
    assert "private" in directives
    assert "public" not in directives


@pytest.fixture
def signed_in(trainer) -> Client:
    client = Client()
    client.force_login(trainer)
    return client


def test_a_signed_in_page(signed_in):
    response = signed_in.get("/trainer/")
    assert response.status_code == 200
    assert_strict_headers(response)


def test_the_login_page(db):
    response = Client().get("/account/login/")
    assert response.status_code == 200
    assert_strict_headers(response)


def test_an_api_answer_and_an_api_error(trainer):
    _key, raw_key = services.api_key_create(user=trainer, name="headers")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    answer = api.get("/api/v1/clients")
    missing = api.get("/api/v1/clients/987654")
    refused = Client().get("/api/v1/clients")

    assert (answer.status_code, missing.status_code, refused.status_code) == (200, 404, 401)
    for response in (answer, missing, refused):
        assert response["Content-Type"].startswith("application/json")
        assert_strict_headers(response)


def test_the_404_page(signed_in):
    response = signed_in.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict_headers(response)


@override_settings(ROOT_URLCONF=__name__)
def test_the_500_page(db):
    response = Client(raise_request_exception=False).get("/test-only/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert_strict_headers(response)


def test_the_403_page(client_user):
    client = Client()
    client.force_login(client_user)
    response = client.get("/owner/")
    assert response.status_code == 403
    assert_strict_headers(response)


def test_a_csrf_failure(trainer, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/login/", {"username": trainer.email, "password": password})
    assert response.status_code == 403
    assert_strict_headers(response)


def test_a_served_file_with_personal_data(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    member = MemberFactory()
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 60)).save(out, format="JPEG")
    member.photo.save("photo.jpg", ContentFile(out.getvalue()), save=True)
    client = Client()
    client.force_login(owner)

    response = client.get(f"/clients/{member.pk}/photo/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    b"".join(response.streaming_content)
    assert_strict_headers(response)


def test_a_redirect(signed_in):
    response = signed_in.get("/")
    assert response.status_code == 302
    assert_strict_headers(response)


def test_a_page_for_a_visitor_is_not_cached_either(db):
    response = Client().get("/account/password/reset/")
    assert response.status_code == 200
    assert_strict_headers(response)


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_a_static_file_keeps_its_cache_and_gets_the_other_headers(db):
    # A new client loads the middleware again, with WhiteNoise finding the source files.
    response = Client().get("/static/fitnesscrm/app.css")

    assert response.status_code == 200
    cache = response["Cache-Control"]
    assert "no-store" not in cache
    assert "max-age=" in cache
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


# --- HTTPS -------------------------------------------------------------------------------------


def test_over_https_hsts_is_sent_and_the_cookies_carry_the_host_prefix(trainer, password):
    assert settings.SESSION_COOKIE_NAME == "__Host-sessionid"  # tests run as production
    client = Client()

    page = client.get("/account/login/", secure=True)
    response = client.post(
        "/account/login/", {"username": trainer.email, "password": password}, secure=True
    )

    assert page["Strict-Transport-Security"] == "max-age=31536000"
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    session = response.cookies["__Host-sessionid"]
    csrf = page.cookies["__Host-csrftoken"]
    for cookie in (session, csrf):
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
        assert cookie["samesite"] == "Lax"
    assert session["httponly"] is True
    assert "sessionid" not in response.cookies

    # A flash message ("You had no other sessions…") and the known-browser cookie too.
    client.post("/account/sessions/end-others/", secure=True)
    for name in ("__Host-messages", "__Host-browser"):
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["path"] == "/", name
        assert cookie["domain"] == "", name
    assert "messages" not in client.cookies


def test_plain_http_gets_no_hsts(db):
    response = Client().get("/account/login/")
    assert "Strict-Transport-Security" not in response


COOKIE_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN", "CSRF_COOKIE_PATH", "SECURE_HSTS_SECONDS", "KNOWN_BROWSER_COOKIE_NAME",
    "MESSAGES_COOKIE_NAME",
)}))
"""


def cookie_settings(tmp_path, **env) -> dict:
    result = run_python(tmp_path, COOKIE_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_use_host_prefixed_secure_cookies_and_hsts(tmp_path):
    resolved = cookie_settings(tmp_path, **PRODUCTION)

    assert resolved == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": "/",
        "CSRF_COOKIE_DOMAIN": None,
        "CSRF_COOKIE_PATH": "/",
        "SECURE_HSTS_SECONDS": 31536000,
        "KNOWN_BROWSER_COOKIE_NAME": "__Host-browser",
        "MESSAGES_COOKIE_NAME": "__Host-messages",
    }


def test_the_demo_on_plain_http_keeps_cookies_that_work_without_tls(tmp_path):
    resolved = cookie_settings(tmp_path, DEBUG="true")

    assert resolved["SESSION_COOKIE_NAME"] == "sessionid"
    assert resolved["CSRF_COOKIE_NAME"] == "csrftoken"
    assert resolved["KNOWN_BROWSER_COOKIE_NAME"] == "browser"
    assert resolved["MESSAGES_COOKIE_NAME"] == "messages"
    assert resolved["SESSION_COOKIE_SECURE"] is False
    assert resolved["SECURE_HSTS_SECONDS"] == 0


# --- The pages themselves: nothing that the policy would block ----------------------------------

TEMPLATE_DIRS = [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_has_inline_script_style_or_event_handlers():
    """Emails are exempt: mail programs need inline styles, and no CSP applies there."""
    found = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            if "email" in template.parts:
                continue
            text = template.read_text(encoding="utf-8")
            for pattern, what in INLINE:
                if pattern.search(text):
                    found.append(f"{template.relative_to(settings.BASE_DIR)}: {what}")
    assert found == []
