"""The privacy API: export status and download, erasure's confirmation, JSON errors."""

import io
import zipfile

import pytest
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.privacy.models import DataExport, ErasureRecord
from tests.api.test_errors import assert_api_error
from tests.privacy.conftest import NAME

pytestmark = pytest.mark.django_db


def test_the_client_starts_an_export_then_downloads_the_zip(member_world, client_user, client):
    client.force_login(client_user)
    url = f"/api/v1/clients/{member_world.member.pk}/export"

    started = client.post(url)
    status = client.get(url)
    download = client.get(url, {"download": "true"})

    assert started.status_code == 201
    assert started.json()["rows"]["invoices"] == 2
    assert status.json()["downloadable"] is True
    assert status.json()["download_url"] == f"{url}?download=true"
    assert download["Content-Type"] == "application/zip"
    assert download["X-Content-Type-Options"] == "nosniff"
    body = b"".join(download.streaming_content)
    assert "export.json" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_an_expired_export_answers_404_export_expired(member_world, owner, client):
    client.force_login(owner)
    url = f"/api/v1/clients/{member_world.member.pk}/export"
    client.post(url)
    DataExport.objects.update(expires_at=timezone.now())

    assert client.get(url).json()["downloadable"] is False
    assert_api_error(client.get(url, {"download": "true"}), 404, "export_expired")


def test_no_export_yet_is_a_404(member_world, owner, client):
    client.force_login(owner)
    response = client.get(f"/api/v1/clients/{member_world.member.pk}/export")
    assert_api_error(response, 404, "not_found")


def test_a_wrong_confirmation_is_a_422_naming_the_field_and_erases_nothing(
    member_world, owner, client
):
    client.force_login(owner)

    response = client.post(
        f"/api/v1/clients/{member_world.member.pk}/erase",
        {"confirmation": "Cleo"},
        content_type="application/json",
    )

    assert_api_error(response, 422, "validation_error")
    assert response.json()["errors"][0]["field"] == "confirmation"
    assert Client.objects.get(pk=member_world.member.pk).full_name == NAME
    assert not ErasureRecord.objects.exists()


def test_erasing_twice_is_a_409(member_world, owner, client):
    client.force_login(owner)
    url = f"/api/v1/clients/{member_world.member.pk}/erase"

    first = client.post(url, {"confirmation": NAME}, content_type="application/json")
    second = client.post(url, {"confirmation": "ERASE"}, content_type="application/json")

    assert first.status_code == 200
    assert first.json()["pseudonym"] == f"Erased client #{member_world.member.pk}"
    assert first.json()["counts"]["invoices_kept"] == 2
    assert_api_error(second, 409, "already_erased")
    assert ErasureRecord.objects.count() == 1


def test_a_missing_confirmation_is_a_422(member_world, owner, client):
    client.force_login(owner)
    response = client.post(
        f"/api/v1/clients/{member_world.member.pk}/erase", {}, content_type="application/json"
    )
    assert_api_error(response, 422, "validation_error")
