"""Helpers shared by the accounts tests: signing in through the form, and API keys."""

import pytest

from fitnesscrm.accounts import services

LOGIN_URL = "/account/login/"
# An address from the documentation range, so an audited IP cannot be a default.
CLIENT_IP = "203.0.113.7"


@pytest.fixture
def sign_in():
    """`sign_in(client, email, password)` posts the login form from CLIENT_IP."""

    def _sign_in(client, email: str, password: str, *, follow: bool = False, next_url: str = ""):
        data = {"username": email, "password": password}
        if next_url:
            data["next"] = next_url
        return client.post(LOGIN_URL, data, follow=follow, REMOTE_ADDR=CLIENT_IP)

    return _sign_in


@pytest.fixture
def make_api_key():
    """`make_api_key(user, name)` creates a key through the service; returns (row, raw key)."""

    def _make(user, name: str = "Zapier"):
        return services.api_key_create(user=user, name=name)

    return _make
