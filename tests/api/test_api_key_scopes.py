"""API key scopes (read or write per area), expiry and last use, enforced for every operation."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.utils import timezone

from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.api import api
from fitnesscrm.core.api_auth import ALL_SCOPES, API_AREAS, READ_METHODS
from tests.api.test_errors import assert_api_error
from tests.factories import ClientFactory

PREFIX = "/api/v1"
KEYS_URL = f"{PREFIX}/me/api-keys"


def schema_operations() -> list[tuple[str, str, str]]:
    """(method, path, area tag) of every operation in the OpenAPI schema."""
    operations = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            operations.append((method.upper(), path))
    return operations


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


def call(client: Client, method: str, path: str):
    return client.generic(method, concrete(path), data=b"{}", content_type="application/json")


def key_with(user, scopes) -> str:
    _key, raw = services.api_key_create(user=user, name="Scoped", scopes=scopes)
    return raw


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


# --- Every operation needs a scope of its area --------------------------------------------


def test_every_operation_of_the_schema_is_refused_to_a_key_without_its_scope(owner):
    """A key with no scope at all: each operation answers 403 and names the scope it needs.

    An operation that belongs to no area would stop the API from loading; one that skipped
    the check would answer something else here.
    """
    raw = key_with(owner, ["account:read"])
    ApiKey.objects.update(scopes=[])
    client = bearer(raw)
    operations = schema_operations()
    assert len(operations) > 50
    needed_by_area: dict[str, set[str]] = {}

    for method, path in operations:
        body = assert_api_error(call(client, method, path), 403, "insufficient_scope")
        match = re.search(r"the scope (\w+):(read|write) needed", body["detail"])
        assert match, (method, path, body["detail"])
        area, level = match.groups()
        assert area in API_AREAS
        assert level == ("read" if method in READ_METHODS else "write"), (method, path)
        needed_by_area.setdefault(area, set()).add(f"{method} {path}")

    # Every area of the API has operations, so every scope means something.
    assert set(needed_by_area) == set(API_AREAS)
    assert "GET /api/v1/clients" in needed_by_area["clients"]
    assert "POST /api/v1/invoices" in needed_by_area["billing"]
    assert "POST /api/v1/bookings" in needed_by_area["scheduling"]
    assert "GET /api/v1/me" in needed_by_area["account"]


def test_a_key_with_every_scope_but_one_area_is_refused_only_in_that_area(owner):
    client = bearer(key_with(owner, [s for s in ALL_SCOPES if not s.startswith("billing:")]))

    refused = client.get(f"{PREFIX}/invoices")
    allowed = client.get(f"{PREFIX}/clients")

    body = assert_api_error(refused, 403, "insufficient_scope")
    assert "billing:read" in body["detail"]
    assert 'scope="billing:read"' in refused["WWW-Authenticate"]
    assert allowed.status_code == 200


def test_a_read_scope_reads_but_does_not_write(manager):
    client = bearer(key_with(manager, ["clients:read"]))

    assert client.get(f"{PREFIX}/clients").status_code == 200
    refused = client.post(
        f"{PREFIX}/clients",
        {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.test"},
        content_type="application/json",
    )

    body = assert_api_error(refused, 403, "insufficient_scope")
    assert "clients:write" in body["detail"]
    assert not ClientFactory._meta.model.objects.filter(email="ada@example.test").exists()


def test_a_write_scope_includes_read(manager):
    client = bearer(key_with(manager, ["clients:write"]))

    assert client.get(f"{PREFIX}/clients").status_code == 200


def test_scopes_never_widen_the_role_a_trainers_billing_write_key_still_cannot_invoice(trainer):
    member = ClientFactory()
    client = bearer(key_with(trainer, ["billing:write"]))

    response = client.post(
        f"{PREFIX}/invoices",
        {"client_id": member.pk, "lines": [{"description": "Towel", "unit_price": "2"}]},
        content_type="application/json",
    )

    body = assert_api_error(response, 403, "forbidden")
    assert "scope" not in body["detail"]


def test_a_session_has_no_scopes_to_check(manager, login):
    assert login(manager).get(f"{PREFIX}/invoices").status_code == 200


# --- Expiry and last use ------------------------------------------------------------------


def test_an_expired_key_gets_401_saying_it_expired(trainer):
    key, raw = services.api_key_create(
        user=trainer, name="Short", expires_at=timezone.now() + timedelta(days=1)
    )
    assert bearer(raw).get(f"{PREFIX}/me").status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    body = assert_api_error(bearer(raw).get(f"{PREFIX}/me"), 401, "not_authenticated")
    assert "expired" in body["detail"]


def test_last_used_is_written_at_most_once_a_minute(trainer, django_assert_num_queries):
    key, raw = services.api_key_create(user=trainer, name="Busy")
    client = bearer(raw)

    client.get(f"{PREFIX}/me")
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    # The next request within the minute reads the key and writes nothing.
    with django_assert_num_queries(1):
        client.get(f"{PREFIX}/me")
    assert ApiKey.objects.get(pk=key.pk).last_used_at == first

    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(seconds=61))
    client.get(f"{PREFIX}/me")
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first


def test_keys_made_before_scopes_keep_full_access(trainer):
    key, _raw = services.api_key_create(user=trainer, name="Old")
    ApiKey.objects.filter(pk=key.pk).update(scopes=[])
    migration = importlib.import_module("fitnesscrm.accounts.migrations.0004_api_key_scopes")

    migration.give_existing_keys_full_access(django_apps, None)

    # Every area that existed; personal-data exports and erasure (privacy) came later and
    # only keys made for them reach them.
    given = ApiKey.objects.get(pk=key.pk).scopes
    assert given == [scope for scope in ALL_SCOPES if not scope.startswith("privacy:")]


# --- /me/api-keys: scopes and expiry -------------------------------------------------------


def post_key(client: Client, **payload):
    return client.post(KEYS_URL, {"name": "Sync", **payload}, content_type="application/json")


def test_the_api_creates_a_key_with_scopes_and_an_expiry_and_lists_them(manager, login):
    expires = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    client = login(manager)

    created = post_key(
        client, scopes=["clients:read", "billing:write"], expires_at=expires.isoformat()
    )

    assert created.status_code == 201, created.content
    assert created.json()["scopes"] == ["clients:read", "billing:write"]
    listed = client.get(KEYS_URL).json()
    assert listed[0]["scopes"] == ["clients:read", "billing:write"]
    assert listed[0]["expires_at"].startswith(expires.strftime("%Y-%m-%dT%H:%M"))
    raw = created.json()["key"]
    assert bearer(raw).get(f"{PREFIX}/clients").status_code == 200
    assert bearer(raw).get(f"{PREFIX}/sessions").status_code == 403


def test_without_scopes_the_api_gives_a_sessions_key_every_scope(manager, login):
    created = post_key(login(manager))

    assert created.json()["scopes"] == list(ALL_SCOPES)
    assert created.json()["expires_at"] is None


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"scopes": ["clients:read", "clients:delete"]}, "scopes", "Unknown scope"),
        ({"scopes": ["gym:read"]}, "scopes", "Unknown scope"),
        ({"scopes": []}, "scopes", "at least one scope"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "in the future"),
        ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at", "at most 365 days"),
    ],
)
def test_bad_scopes_or_expiry_get_422_at_the_field_and_store_nothing(
    manager, login, payload, field, message
):
    response = post_key(login(manager), **payload)

    body = assert_api_error(response, 422, "validation_error")
    assert body["errors"][0]["field"] == field
    assert message in body["detail"]
    assert not ApiKey.objects.exists()


def test_a_key_cannot_make_a_key_that_does_more_than_itself(manager):
    raw = key_with(manager, ["account:write", "clients:read"])

    wider = post_key(bearer(raw), scopes=["clients:write"])
    narrower = post_key(bearer(raw), scopes=["clients:read"])
    unnamed = post_key(bearer(raw))

    body = assert_api_error(wider, 403, "insufficient_scope")
    assert "clients:write" in body["detail"]
    assert narrower.status_code == 201
    assert unnamed.json()["scopes"] == ["account:write", "clients:read"]
    assert ApiKey.objects.count() == 3


def test_a_key_made_by_an_expiring_key_expires_no_later(manager):
    ends = timezone.now() + timedelta(days=3)
    _key, raw = services.api_key_create(user=manager, name="Parent", expires_at=ends)

    child = post_key(bearer(raw), expires_at=(ends + timedelta(days=30)).isoformat())

    assert child.status_code == 201
    assert ApiKey.objects.get(pk=child.json()["id"]).expires_at == ends


def test_a_key_the_previous_release_inserts_without_scopes_reaches_nothing(trainer):
    """During a rolling deploy the release before scopes still creates keys: the database
    default gives them no scope rather than failing the insert."""
    from django.db import connection

    table = ApiKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, name, prefix, key_hash, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s)",
            [trainer.pk, "Old release", "fcrm_oldrel", "0" * 64, timezone.now()],
        )

    assert ApiKey.objects.get(prefix="fcrm_oldrel").scopes == []
