"""The export of a client's data: every section, the CSV files, the photos, the download."""

import csv
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.privacy import services
from fitnesscrm.privacy.export import section_names
from fitnesscrm.privacy.models import DataExport, DataSubjectRequest, ExportStatus
from tests.privacy.conftest import EMAIL, NAME, PHONE

pytestmark = pytest.mark.django_db

EXPECTED_ROWS = {
    "profile": 1,
    "tags": 1,
    "trainers": 1,
    "bookings": 1,
    "memberships": 1,
    "invoices": 2,
    "invoice_lines": 2,
    "payments": 1,
    "refunds": 1,
    "credit_notes": 1,
    "programs": 1,
    "workout_logs": 1,
    "workout_sets": 1,
    "measurements": 2,
    "goals": 2,
    "photos": 1,
}


def _zip(record: DataExport) -> zipfile.ZipFile:
    with record.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_the_export_holds_every_section_with_the_members_rows(member_world, owner):
    record = services.export_create(actor=owner, client=member_world.member)

    archive = _zip(record)
    document = json.loads(archive.read("export.json"))
    assert document["format_version"] == 1
    assert document["generated_at"].endswith("+00:00")
    assert document["client_id"] == member_world.member.pk
    assert set(document["sections"]) == set(section_names())
    for name, count in EXPECTED_ROWS.items():
        assert len(document[name]) == count, name
    profile = document["profile"][0]
    assert (profile["first_name"], profile["email"], profile["phone"]) == (
        "Cleo",
        EMAIL,
        PHONE,
    )
    assert profile["health_notes"] == "Asthma, carries an inhaler."
    assert "search_text" not in profile
    assert document["tags"][0]["name"] == "early-bird"
    assert any(NAME in note["body"] for note in document["notes"])
    assert document["follow_up_tasks"][0]["title"] == "Check in on goals"
    assert document["bookings"][0]["checked_in_at"] is not None
    assert document["memberships"][0]["product_name"] == "Unlimited"
    assert document["refunds"][0]["reason"] == "Towel"
    kinds = {(c["kind"], c["granted"]) for c in document["consents"]}
    assert {("health_data", True), ("email_marketing", True)} <= kinds
    assert any(entry["action"] == "client.update" for entry in document["audit"])
    # Nothing of the stranger's.
    assert "Stranger" not in archive.read("export.json").decode()
    assert record.counts == {name: len(document[name]) for name in section_names()}


def test_each_section_has_a_csv_with_the_model_columns_and_the_readme_lists_them(
    member_world, owner
):
    archive = _zip(services.export_create(actor=owner, client=member_world.member))
    document = json.loads(archive.read("export.json"))
    readme = archive.read("README.txt").decode()

    for name in section_names():
        rows = list(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode())))
        assert len(rows) == 1 + len(document[name]), name
        assert f"{name}.csv" in readme
        if document[name]:
            assert rows[0] == list(document[name][0]), name
    profile = list(csv.DictReader(io.StringIO(archive.read("profile.csv").decode())))
    assert profile[0]["email"] == EMAIL
    # A leading "+" would be a formula in a spreadsheet: the phone is kept as text.
    assert profile[0]["phone"] == "'" + PHONE
    header = next(csv.reader(io.StringIO(archive.read("payments.csv").decode())))
    assert {"id", "invoice_id", "amount_minor", "currency", "received_at"} <= set(header)


def test_the_progress_photo_file_is_in_the_zip(member_world, owner):
    photo = member_world.training.photo
    archive = _zip(services.export_create(actor=owner, client=member_world.member))
    row = json.loads(archive.read("export.json"))["photos"][0]

    assert row["file_in_zip"].startswith("photos/")
    with photo.image.open("rb") as handle:
        assert archive.read(row["file_in_zip"]) == handle.read()


def test_every_export_and_download_is_audited(member_world, owner, client):
    client.force_login(owner)
    member = member_world.member
    client.post(reverse("privacy:export", args=[member.pk]))
    record = DataExport.objects.get(client=member)
    response = client.get(reverse("privacy:export-download", args=[member.pk, record.pk]))

    assert response.status_code == 200
    actions = list(
        AuditEntry.objects.filter(action__startswith="privacy.export").values_list(
            "action", "actor"
        )
    )
    assert sorted(actions) == [("privacy.export", owner.pk), ("privacy.export_download", owner.pk)]


def test_the_download_is_an_attachment_that_is_not_sniffed_or_cached(member_world, owner, client):
    record = services.export_create(actor=owner, client=member_world.member)
    client.force_login(owner)

    response = client.get(
        reverse("privacy:export-download", args=[member_world.member.pk, record.pk])
    )

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).read("export.json")


def test_an_expired_export_cannot_be_downloaded_and_its_file_is_purged(member_world, owner, client):
    record = services.export_create(actor=owner, client=member_world.member)
    name = record.file.name
    DataExport.objects.filter(pk=record.pk).update(expires_at=timezone.now())
    client.force_login(owner)
    url = reverse("privacy:export-download", args=[member_world.member.pk, record.pk])

    assert client.get(url).status_code == 404
    assert services.exports_purge() == 1

    record.refresh_from_db()
    assert record.status == ExportStatus.EXPIRED
    assert not default_storage.exists(name)
    assert client.get(url).status_code == 404


def test_an_export_right_after_another_is_refused_with_a_message(member_world, owner, client):
    client.force_login(owner)
    url = reverse("privacy:export", args=[member_world.member.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assert DataExport.objects.count() == 1
    assert "made a moment ago" in response.content.decode()


def test_a_client_exports_their_own_data_in_the_portal_which_logs_an_answered_request(
    member_world, client_user, client
):
    client.force_login(client_user)
    response = client.post(reverse("portal-privacy:export"), follow=True)

    record = DataExport.objects.get()
    assert record.client == member_world.member
    assert reverse("portal-privacy:export-download", args=[record.pk]) in response.content.decode()
    logged = DataSubjectRequest.objects.get()
    assert (logged.kind, logged.status, logged.channel) == ("access", "done", "portal")
    download = client.get(reverse("portal-privacy:export-download", args=[record.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_a_client_cannot_download_another_clients_export_by_its_id(
    member_world, owner, outsider, client
):
    record = services.export_create(actor=owner, client=member_world.member)
    client.force_login(outsider)

    response = client.get(reverse("portal-privacy:export-download", args=[record.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="privacy.export_download").exists()
