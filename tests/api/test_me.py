"""GET /api/v1/me by session and by API key; the OpenAPI schema and the docs page."""

import json
import re

import pytest
from django.test import Client

from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.core.roles import STAFF_ROLES, Role


@pytest.mark.parametrize("role", list(Role))
def test_me_describes_the_signed_in_user_of_each_role(users_by_role, login, role):
    user = users_by_role[role]
    response = login(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "role": role.value,
        "role_label": role.label,
        "auth_method": "session",
    }


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_me_describes_the_owner_of_the_bearer_key_for_each_staff_role(
    users_by_role, api_key_for, bearer, role
):
    user = users_by_role[role]
    response = bearer(api_key_for(user)).get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["full_name"], body["role"]) == (
        user.pk,
        user.email,
        user.full_name,
        role.value,
    )
    assert body["auth_method"] == "api_key"


def test_clients_cannot_hold_api_keys_so_they_use_the_api_by_session(client_user):
    with pytest.raises(services.Forbidden):
        services.api_key_create(user=client_user, name="Mine")


def test_using_a_key_records_when_it_was_last_used(trainer, api_key_for, bearer):
    raw = api_key_for(trainer)
    key = ApiKey.objects.get(user=trainer)
    assert key.last_used_at is None
    assert bearer(raw).get("/api/v1/me").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None
    listed = bearer(raw).get("/api/v1/me/api-keys").json()
    assert [item["last_used_at"] is not None for item in listed] == [True]


def test_a_bearer_key_wins_over_the_session_of_another_user(owner, trainer, api_key_for, login):
    raw = api_key_for(trainer)
    client = login(owner)
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()
    assert (body["email"], body["auth_method"]) == (trainer.email, "api_key")


def test_a_key_whose_secret_contains_an_underscore_is_accepted(trainer, bearer, monkeypatch):
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda n=None: "se_cr_et" * 5)
    _key, raw = services.api_key_create(user=trainer, name="Underscores")
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 200, response.json()


def test_the_api_key_list_shows_only_the_callers_keys_and_never_a_secret(
    manager, trainer, api_key_for, bearer
):
    api_key_for(manager, name="Manager's")
    raw = api_key_for(trainer, name="Trainer's")
    listed = bearer(raw).get("/api/v1/me/api-keys").json()
    assert [item["name"] for item in listed] == ["Trainer's"]
    assert "key" not in listed[0]
    assert "key_hash" not in listed[0]


def test_a_created_key_is_shown_once_and_works(owner, login, bearer):
    response = login(owner).post(
        "/api/v1/me/api-keys", {"name": "Zapier"}, content_type="application/json"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["key"].startswith(f"fcrm_{created['prefix']}_")
    assert bearer(created["key"]).get("/api/v1/me").json()["email"] == owner.email
    listed = login(owner).get("/api/v1/me/api-keys").json()
    assert "key" not in listed[0]


# --- OpenAPI and docs ----------------------------------------------------------------


def test_the_openapi_schema_lists_me_with_both_ways_to_authenticate(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["ApiKeyAuth"].items()
    assert schemes["ActiveSessionAuth"]["type"] == "apiKey"
    assert schemes["ActiveSessionAuth"]["in"] == "cookie"
    security = schema["paths"]["/api/v1/me"]["get"]["security"]
    assert {"ApiKeyAuth": []} in security
    assert {"ActiveSessionAuth": []} in security


def test_the_openapi_schema_documents_the_key_name_limits(db):
    schema = Client().get("/api/v1/openapi.json").json()
    name = schema["components"]["schemas"]["ApiKeyIn"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, 100)


def test_the_docs_page_loads_only_local_scripts_and_styles(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    sources = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", html)
    assert sources, "the docs page should load Swagger UI"
    assert all(source.startswith("/static/") for source in sources), sources
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html)


def test_the_docs_page_has_no_inline_script_that_the_csp_would_block(db):
    response = Client().get("/api/v1/docs")
    for tag in re.findall(r"<script\b[^>]*>", response.content.decode()):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
