"""Fixtures for the API tests: personal API keys and clients that present them."""

import pytest
from django.test import Client

from fitnesscrm.accounts import services


@pytest.fixture
def api_key_for(db):
    """`api_key_for(user)` creates a key through the service and returns the full key."""

    def _create(user, name: str = "Tests") -> str:
        _key, raw = services.api_key_create(user=user, name=name)
        return raw

    return _create


@pytest.fixture
def bearer():
    """`bearer(raw_key)` gives a test client that sends `Authorization: Bearer <raw_key>`."""

    def _client(raw_key: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {raw_key}"})

    return _client
