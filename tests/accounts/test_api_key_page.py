"""Scopes and expiry of API keys on the API keys page and in `fitnesscrm apikey create`."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.test import Client
from django.utils import timezone

from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.core.api_auth import ALL_SCOPES, API_AREAS
from tests.accounts.test_commands import run

KEYS_URL = "/account/api-keys/"


def form(name: str = "Zapier", expires_on: str = "", **access: str) -> dict:
    data = {"name": name, "expires_on": expires_on}
    data.update({f"scope_{area}": level for area, level in access.items()})
    return data


def test_the_form_offers_every_area_read_by_default(trainer, login):
    page = login(trainer).get(KEYS_URL).content.decode()

    for area in API_AREAS:
        assert f'name="scope_{area}"' in page
    assert 'value="read" selected' in page
    assert 'name="expires_on"' in page


def test_a_key_is_created_with_the_chosen_access_and_last_day(trainer, login):
    last_day = timezone.localdate() + timedelta(days=30)
    client = login(trainer)

    response = client.post(
        KEYS_URL, form(expires_on=last_day.isoformat(), clients="write", scheduling="read")
    )

    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert key.scopes == ["clients:write", "scheduling:read"]
    assert timezone.localtime(key.expires_at).date() == last_day
    assert key.expires_at > timezone.now() + timedelta(days=29)
    listing = client.get(KEYS_URL).content.decode()
    assert "read and write" in listing
    assert last_day.isoformat() in listing
    assert "never" in listing  # not used yet


def test_the_page_shows_when_a_key_was_last_used_and_that_it_expired(trainer, login):
    client = login(trainer)
    client.post(KEYS_URL, form(clients="read"))
    used = timezone.now() - timedelta(hours=2)
    ApiKey.objects.update(last_used_at=used, expires_at=timezone.now() - timedelta(days=1))

    listing = client.get(KEYS_URL).content.decode()

    assert timezone.localtime(used).strftime("%Y-%m-%d %H:%M") in listing
    assert ">expired<" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form(), "Choose at least one scope"),
        (form(expires_on="2020-01-01", clients="read"), "must be in the future"),
        (form(expires_on="2099-12-31", clients="read"), "at most 365 days"),
        (form(expires_on="soon", clients="read"), "Enter a date"),
        (form(clients="admin"), "Select a valid choice"),
    ],
)
def test_bad_access_or_expiry_shows_the_form_again_with_the_message(trainer, login, data, message):
    response = login(trainer).post(KEYS_URL, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Copy your new key now" not in response.content.decode()
    assert not ApiKey.objects.exists()


# --- The command ---------------------------------------------------------------------------


def test_apikey_create_takes_scopes_and_an_expiry(trainer):
    run(
        "apikey", "create", "--user", trainer.email, "--name", "Sync",
        "--scope", "clients:read", "--scope", "billing:write", "--expires-in-days", "30",
    )  # fmt: skip

    key = ApiKey.objects.get()
    assert key.scopes == ["clients:read", "billing:write"]
    assert timedelta(days=29) < key.expires_at - timezone.now() <= timedelta(days=30)
    listing, _err = run("apikey", "list", "--user", trainer.email)
    assert "clients:read billing:write" in listing
    assert f"expires: {key.expires_at:%Y-%m-%d}" in listing


def test_apikey_create_without_scopes_still_gives_full_access(trainer):
    raw, _err = run("apikey", "create", "--user", trainer.email, "--name", "Old style")

    assert ApiKey.objects.get().scopes == list(ALL_SCOPES)
    assert (
        Client(headers={"Authorization": f"Bearer {raw.strip()}"})
        .get("/api/v1/invoices")
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "clients:admin"], "Unknown scope: clients:admin"),
        (["--expires-in-days", "0"], "--expires-in-days must be 1 or more"),
        (["--expires-in-days", "400"], "at most 365 days"),
    ],
)
def test_apikey_create_refuses_bad_scopes_and_expiry_clearly(trainer, args, message):
    with pytest.raises(CommandError, match=message):
        run("apikey", "create", "--user", trainer.email, "--name", "Bad", *args)

    assert not ApiKey.objects.exists()


def test_the_cli_exits_non_zero_with_a_clear_message_for_a_bad_expiry(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fitnesscrm.cli", "apikey", "create", "--user", "x@example.test",
         "--name", "Bad", "--expires-in-days", "x"],
        capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "DATA_DIR": str(tmp_path),
             "ENV_FILE": "/dev/null"},
    )  # fmt: skip

    assert result.returncode != 0
    assert "--expires-in-days" in result.stderr
    assert "Traceback" not in result.stderr
