"""Rotating SECRET_KEY with the old key in SECRET_KEY_FALLBACKS keeps people signed in and
password reset links working; without the fallback, they stop working."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD = "old-secret-key-" + "x" * 40
NEW = "new-secret-key-" + "y" * 40


def signed_in_with_the_old_key(user) -> Client:
    browser = Client()
    with override_settings(SECRET_KEY=OLD):
        browser.force_login(user)
        assert browser.get("/manager/").status_code == 200
    return browser


def test_with_the_fallback_sessions_and_reset_links_survive_the_rotation():
    user = UserFactory(role="manager")
    browser = signed_in_with_the_old_key(user)
    with override_settings(SECRET_KEY=OLD):
        token = default_token_generator.make_token(user)

    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        assert browser.get("/manager/").status_code == 200
        assert default_token_generator.check_token(user, token)

    # Django re-signed the session with the new key on that visit: it outlives the fallback.
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert browser.get("/manager/").status_code == 200


def test_without_the_fallback_everyone_signs_in_again_and_old_links_fail():
    user = UserFactory(role="manager")
    browser = signed_in_with_the_old_key(user)
    with override_settings(SECRET_KEY=OLD):
        token = default_token_generator.make_token(user)

    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        response = browser.get("/manager/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
        assert not default_token_generator.check_token(user, token)
