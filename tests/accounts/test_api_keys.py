"""Personal API keys: the page that manages them, and how a presented key is checked."""

import hashlib

import pytest

from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.accounts.services import ApiKeyRejected, api_key_authenticate
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role

KEYS_URL = "/account/api-keys/"
# What the page's form sends for a key that may read clients and nothing else.
SOME_ACCESS = {"scope_clients": "read"}


def revoke_url(key: ApiKey) -> str:
    return f"/account/api-keys/{key.pk}/revoke/"


def everything_stored() -> str:
    """Every API key and audit row as text, to look for a secret that must not be there."""
    return str(list(ApiKey.objects.values())) + str(list(AuditEntry.objects.values()))


# --- The page --------------------------------------------------------------------------------


def test_a_staff_user_creates_a_key_and_sees_it_exactly_once(trainer, login):
    client = login(trainer)

    created = client.post(KEYS_URL, {"name": "Zapier", **SOME_ACCESS})

    assert created.status_code == 200
    raw = created.context["new_key"]
    assert raw.startswith("fcrm_")
    assert raw in created.content.decode()
    assert "Copy your new key now" in created.content.decode()
    key = ApiKey.objects.get(user=trainer)
    assert key.name == "Zapier"

    later = client.get(KEYS_URL)

    assert later.status_code == 200
    assert raw not in later.content.decode()
    assert f"fcrm_{key.prefix}_" in later.content.decode()
    assert "Zapier" in later.content.decode()


def test_only_a_sha256_hash_of_the_key_is_stored(manager, login):
    created = login(manager).post(KEYS_URL, {"name": "Reporting", **SOME_ACCESS})
    raw = created.context["new_key"]
    secret = raw.split("_", 2)[2]

    key = ApiKey.objects.get(user=manager)
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = everything_stored()
    assert raw not in stored
    assert secret not in stored


def test_creating_a_key_is_audited_without_the_key(front_desk, login):
    created = login(front_desk).post(KEYS_URL, {"name": "Desk tablet", **SOME_ACCESS})

    entry = AuditEntry.objects.get(action="apikey.create")
    assert entry.actor == front_desk
    assert entry.object_id == str(ApiKey.objects.get().pk)
    assert created.context["new_key"] not in str(entry.changes)


def test_an_empty_name_shows_the_form_again_with_the_message_at_the_field(trainer, login):
    response = login(trainer).post(KEYS_URL, {"name": "   ", **SOME_ACCESS})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_name_error"' in body
    assert "Give the key a name" in body
    assert 'aria-invalid="true"' in body
    assert not ApiKey.objects.exists()


def test_a_name_over_100_characters_shows_the_message_at_the_field(trainer, login):
    response = login(trainer).post(KEYS_URL, {"name": "x" * 101, **SOME_ACCESS})

    assert response.status_code == 400
    assert 'id="id_name_error"' in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoking_a_key_stops_it_working_and_is_audited(trainer, login, make_api_key):
    key, raw = make_api_key(trainer)

    response = login(trainer).post(revoke_url(key), follow=True)

    assert response.status_code == 200
    assert "revoked; it no longer works" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEntry.objects.filter(action="apikey.revoke", actor=trainer).exists()
    with pytest.raises(ApiKeyRejected, match="revoked"):
        api_key_authenticate(raw)


def test_revoking_takes_a_post(trainer, login, make_api_key):
    key, _raw = make_api_key(trainer)

    response = login(trainer).get(revoke_url(key))

    assert response.status_code == 405
    key.refresh_from_db()
    assert key.is_active


def test_a_user_cannot_revoke_someone_elses_key_by_guessing_its_id(
    trainer, manager, login, make_api_key
):
    key, raw = make_api_key(manager)

    response = login(trainer).post(revoke_url(key))

    assert response.status_code == 404  # as for a key that does not exist
    key.refresh_from_db()
    assert key.is_active
    assert api_key_authenticate(raw) == manager
    assert not AuditEntry.objects.filter(action="apikey.revoke").exists()


def test_a_guessed_id_of_someone_elses_key_gets_the_same_answer_as_a_missing_one(
    trainer, manager, login, make_api_key
):
    key, _raw = make_api_key(manager)
    client = login(trainer)

    someone_elses = client.post(revoke_url(key), follow=True)
    missing = client.post(f"/account/api-keys/{key.pk + 1000}/revoke/", follow=True)

    assert [str(m) for m in someone_elses.context["messages"]] == [
        str(m) for m in missing.context["messages"]
    ]


def test_the_page_lists_only_the_users_own_keys(trainer, manager, login, make_api_key):
    make_api_key(trainer, "Mine")
    make_api_key(manager, "Not mine")

    body = login(trainer).get(KEYS_URL).content.decode()

    assert "Mine" in body
    assert "Not mine" not in body


@pytest.mark.parametrize("who", ["client_user", "outsider"])
def test_a_client_is_refused_the_api_keys_page(who, request, login, trainer, make_api_key):
    user = request.getfixturevalue(who)
    key, _raw = make_api_key(trainer)
    client = login(user)

    assert client.get(KEYS_URL).status_code == 403
    assert client.post(KEYS_URL, {"name": "Sneaky", **SOME_ACCESS}).status_code == 403
    assert client.post(revoke_url(key)).status_code == 403
    assert ApiKey.objects.filter(user=user).count() == 0
    key.refresh_from_db()
    assert key.is_active


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_api_keys_page(client, db):
    response = client.get(KEYS_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next={KEYS_URL}"


# --- Checking a presented key ------------------------------------------------------------


def test_a_valid_key_authenticates_its_user_and_records_when_it_was_last_used(
    trainer, make_api_key
):
    key, raw = make_api_key(trainer)
    assert key.last_used_at is None

    assert api_key_authenticate(raw) == trainer

    key.refresh_from_db()
    assert key.last_used_at is not None
    assert key.last_used_at >= key.created_at


def test_a_key_whose_secret_contains_underscores_and_dashes_authenticates(trainer, monkeypatch):
    # token_urlsafe() draws from an alphabet that includes "_" and "-".
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda n: "abc_def-ghi_" + "x" * 32)
    _key, raw = services.api_key_create(user=trainer, name="Underscores")

    assert api_key_authenticate(raw) == trainer


def test_every_newly_created_key_authenticates(trainer):
    # About half of random secrets contain "_": twenty keys cover that case in practice.
    for n in range(20):
        _key, raw = services.api_key_create(user=trainer, name=f"Key {n}")
        assert api_key_authenticate(raw) == trainer


@pytest.mark.parametrize(
    "presented",
    ["", "not-a-key", "fcrm_", "fcrm__secret", "fcrm_abc_", "other_abc_secret", "fcrm abc secret"],
)
def test_a_malformed_key_is_rejected_as_malformed(db, presented):
    with pytest.raises(ApiKeyRejected, match="Malformed API key"):
        api_key_authenticate(presented)


def test_a_key_with_an_unknown_prefix_is_rejected_as_unknown(db):
    with pytest.raises(ApiKeyRejected, match="Unknown API key"):
        api_key_authenticate("fcrm_0123456789ab_" + "s" * 43)


def test_a_known_prefix_with_the_wrong_secret_is_rejected_as_unknown(trainer, make_api_key):
    key, _raw = make_api_key(trainer)

    with pytest.raises(ApiKeyRejected, match="Unknown API key"):
        api_key_authenticate(f"fcrm_{key.prefix}_" + "s" * 43)
    key.refresh_from_db()
    assert key.last_used_at is None


def test_a_revoked_key_is_rejected_as_revoked(trainer, make_api_key):
    key, raw = make_api_key(trainer)
    services.api_key_revoke(key_id=key.pk, actor=trainer)

    with pytest.raises(ApiKeyRejected, match="This API key has been revoked"):
        api_key_authenticate(raw)


def test_a_key_of_a_disabled_user_is_rejected_with_that_reason(trainer, make_api_key):
    _key, raw = make_api_key(trainer)
    trainer.is_active = False
    trainer.save(update_fields=["is_active"])

    with pytest.raises(ApiKeyRejected, match="account this API key belongs to is disabled"):
        api_key_authenticate(raw)


def test_a_key_stops_working_when_its_user_is_no_longer_staff(trainer, make_api_key):
    _key, raw = make_api_key(trainer)
    trainer.role = Role.CLIENT
    trainer.save(update_fields=["role"])

    with pytest.raises(ApiKeyRejected, match="only for staff accounts"):
        api_key_authenticate(raw)


def test_a_client_cannot_be_given_a_key(client_user):
    with pytest.raises(services.Forbidden):
        services.api_key_create(user=client_user, name="Nope")
    assert not ApiKey.objects.exists()


def test_an_owner_can_revoke_a_key_of_a_member_of_staff(owner, trainer, make_api_key):
    key, _raw = make_api_key(trainer)

    services.api_key_revoke(key_id=key.pk, actor=owner)

    key.refresh_from_db()
    assert not key.is_active
    assert AuditEntry.objects.get(action="apikey.revoke").actor == owner
