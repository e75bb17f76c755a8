"""CSV import of clients: upload checked by content, column mapping, dry run, all-or-nothing import.

These files are small, so each step runs during the request; the worker's part is
in test_csv_import_worker.py.
"""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fitnesscrm.clients import services
from fitnesscrm.clients.imports import runs
from fitnesscrm.clients.imports.fields import (
    IMPORT_FIELDS,
    guess_mapping,
    read_full_name,
    unescape,
)
from fitnesscrm.clients.models import (
    Client,
    ClientImport,
    EntryKind,
    ImportStatus,
    Source,
    Status,
    Tag,
)
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from tests.factories import ClientFactory, UserFactory

DATA = Path(__file__).parent / "data"
IMPORT = "/clients/import/"
ALL_FIELDS = {
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "date_of_birth",
    "postal_code",
    "source",
    "status",
    "tags",
    "email_consent",
    "sms_consent",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def upload(client, content: bytes, *, name: str = "clients.csv", encoding: str = "utf-8"):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(IMPORT, {"file": file, "encoding": encoding})


def uploaded(client, content: bytes, **kwargs) -> ClientImport:
    response = upload(client, content, **kwargs)
    assert response.status_code == 302, response.content.decode()[:3000]
    job = ClientImport.objects.latest("id")
    assert response["Location"] == f"/clients/import/{job.pk}/"
    return job


def check(client, job: ClientImport, mapping: dict | None = None):
    """Post the column mapping (the guessed one unless given): the dry run follows."""
    mapping = job.mapping if mapping is None else mapping
    fields = {f"col_{index}": name for index, name in mapping.items()}
    return client.post(f"/clients/import/{job.pk}/mapping/", fields)


def checked(client, content: bytes, **kwargs) -> ClientImport:
    job = uploaded(client, content, **kwargs)
    response = check(client, job)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    return job


def commit(client, job: ClientImport, mode: str):
    return client.post(f"/clients/import/{job.pk}/commit/", {"mode": mode}, follow=True)


def field_error(response, name: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(name, [])]


# --- Guessing the columns ------------------------------------------------------------------


def test_the_columns_are_guessed_from_common_header_names():
    headers = [
        "First Name",
        "Surname",
        "E-mail",
        "Mobile",
        "D.O.B.",
        "Post code",
        "How did you hear about us?",
        "Newsletter",
        "SMS opt-in",
        "Membership no.",
    ]
    assert guess_mapping(headers, ALL_FIELDS) == {
        "0": "first_name",
        "1": "last_name",
        "2": "email",
        "3": "phone",
        "4": "date_of_birth",
        "5": "postal_code",
        "6": "source",
        "7": "email_consent",
        "8": "sms_consent",
    }


def test_a_name_column_is_read_as_a_full_name_unless_there_is_a_first_name_column():
    assert guess_mapping(["Name", "Email"], ALL_FIELDS) == {"0": "full_name", "1": "email"}
    assert guess_mapping(["Name", "First name", "Email", "e-mail"], ALL_FIELDS) == {
        "1": "first_name",
        "2": "email",
    }


def test_our_own_export_columns_are_recognised_and_the_others_ignored():
    from fitnesscrm.clients.csv_io import COLUMNS, HEALTH_COLUMNS

    headers = list(COLUMNS + HEALTH_COLUMNS)
    guessed = guess_mapping(headers, set(IMPORT_FIELDS))
    assert {headers[int(index)]: name for index, name in guessed.items()} == {
        "First name": "first_name",
        "Last name": "last_name",
        "Email": "email",
        "Phone": "phone",
        "Status": "status",
        "Source": "source",
        "Tags": "tags",
        "Date of birth": "date_of_birth",
        "City": "city",
        "Postal code": "postal_code",
        "Email consent": "email_consent",
        "SMS consent": "sms_consent",
        "Health notes": "health_notes",
        "Injuries": "injuries",
    }


def test_full_names_and_exported_cells_are_read_back():
    assert read_full_name("Ann Marie Smith") == ("Ann Marie", "Smith")
    assert read_full_name("Smith, Ann") == ("Ann", "Smith")
    assert read_full_name("Cher") == ("Cher", "")
    assert unescape("'+447911123456") == "+447911123456"
    assert unescape("'=1+1") == "=1+1"
    assert unescape("O'Neil") == "O'Neil"


# --- Who may import -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.FRONT_DESK])
def test_owners_managers_and_the_front_desk_may_import(login, users_by_role, role):
    response = login(users_by_role[role]).get(IMPORT)
    assert response.status_code == 200
    assert "Upload the file" in response.content.decode()


@pytest.mark.parametrize("who", ["trainer", "client_user", "outsider"])
def test_trainers_and_clients_may_not_import(db, request, login, who):
    client = login(request.getfixturevalue(who))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, data("clients_valid.csv")).status_code == 403
    assert not ClientImport.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_an_import_of_someone_else_at_the_desk_is_not_found(login, front_desk, owner):
    job = uploaded(login(owner), data("clients_valid.csv"))
    other_desk = UserFactory(role=Role.FRONT_DESK)
    client = login(other_desk)
    for path in ("", "progress/", "errors.csv"):
        assert client.get(f"/clients/import/{job.pk}/{path}").status_code == 404
    for path in ("mapping/", "commit/", "cancel/"):
        assert client.post(f"/clients/import/{job.pk}/{path}", {"mode": "all"}).status_code == 404
    assert client.get("/clients/import/999999/").status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED
    # The owner sees every import, the desk its own.
    assert login(owner).get(f"/clients/import/{job.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["trainer", "client_user", "outsider"])
def test_trainers_and_clients_get_no_import_page_even_with_its_id(db, request, login, owner, who):
    job = uploaded(login(owner), data("clients_valid.csv"))
    client = login(request.getfixturevalue(who))
    assert client.get(f"/clients/import/{job.pk}/").status_code == 403
    assert client.post(f"/clients/import/{job.pk}/commit/", {"mode": "all"}).status_code == 403


# --- Step 1: the upload, checked by content ----------------------------------------------------


def test_a_latin1_file_gets_a_clear_message_and_reads_correctly_as_windows_1252(login, owner):
    client = login(owner)
    response = upload(client, data("clients_latin1.csv"))
    assert response.status_code == 400
    [message] = field_error(response, "file")
    assert "This file is not UTF-8" in message
    assert "line 2" in message
    assert "Windows-1252 / Latin-1" in message
    assert field_error(response, "encoding") == ["Try “Windows-1252 / Latin-1”."]
    assert not ClientImport.objects.exists()

    job = uploaded(client, data("clients_latin1.csv"), encoding="windows-1252")
    assert job.encoding == "windows-1252"
    assert job.delimiter == ";"
    assert job.preview[0][:2] == ["José", "Muñoz"]
    response = client.get(f"/clients/import/{job.pk}/")
    assert "Françoise" in response.content.decode()


def test_a_utf8_file_with_or_without_a_bom_is_read(login, owner):
    client = login(owner)
    plain = "First name,Last name\nZoë,Ødegaard\n".encode()
    for content in (plain, b"\xef\xbb\xbf" + plain):
        job = uploaded(client, content)
        assert job.headers == ["First name", "Last name"]
        assert job.preview == [["Zoë", "Ødegaard"]]
        assert job.mapping == {"0": "first_name", "1": "last_name"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "This is an Excel workbook"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "it contains binary data"),
        ("First name\nAnn\n".encode("utf-16"), "UTF-16"),
        (b"", "The file is empty."),
        (b"\n\r\n  \n", "The file is empty."),
        (b"First name,Email\n", "a header row but no clients"),
        (b"Ann,ann@example.test\nBob,bob@example.test\n", "looks like a client"),
        (b",,\nAnn,Lee,ann@example.test\n", "The first row is empty"),
        (b'First name,Email\nAnn,"ann@example.test\n' + b"x" * 140_000, "cannot be read as CSV"),
    ],
    ids=[
        "xlsx",
        "image",
        "utf16",
        "empty",
        "blank",
        "header only",
        "no header",
        "empty header",
        "unclosed quote",
    ],
)
def test_a_file_that_is_not_a_usable_csv_gets_a_message_at_the_field(
    login, owner, content, expected
):
    response = upload(login(owner), content)
    assert response.status_code == 400
    [message] = field_error(response, "file")
    assert expected in message
    assert not ClientImport.objects.exists()


def test_a_file_over_10_mb_is_refused(login, owner):
    row = b"Ann,Lee,ann@example.test\n"
    content = b"First name,Last name,Email\n" + row * (10 * 1024 * 1024 // len(row) + 1)
    response = upload(login(owner), content)
    assert response.status_code == 400
    [message] = field_error(response, "file")
    assert message.startswith("This file is 10.0 MB; files of up to 10 MB can be imported.")


def test_a_file_with_more_than_100000_rows_is_refused(login, owner):
    content = b"First name\n" + b"Ann\n" * 100_001
    response = upload(login(owner), content)
    assert response.status_code == 400
    [message] = field_error(response, "file")
    assert "more than 100,000 rows" in message


def test_a_file_of_exactly_100000_rows_is_accepted(login, owner):
    job = uploaded(login(owner), b"First name\n" + b"Ann\n" * 100_000)
    assert job.total_rows == 100_000


def test_no_file_gets_a_message(login, owner):
    response = login(owner).post(IMPORT, {"encoding": "utf-8"})
    assert response.status_code == 400
    assert field_error(response, "file") == ["Choose the CSV file to import."]


def test_the_upload_is_audited_and_kept_under_a_random_name(login, owner, media_root):
    job = uploaded(login(owner), data("clients_valid.csv"), name="../../etc/passwd.csv")
    assert job.file_name == "passwd.csv"
    assert job.file.name.startswith("imports/") and "passwd" not in job.file.name
    assert (media_root / job.file.name).read_bytes() == data("clients_valid.csv")
    entry = AuditEntry.objects.get(action="client_import.upload")
    assert entry.changes == {"file": "passwd.csv", "rows": 3, "encoding": "utf-8"}


# --- Step 2: the column mapping --------------------------------------------------------------


def test_the_mapping_page_shows_each_column_with_its_guess_and_first_rows(login, owner):
    client = login(owner)
    job = uploaded(client, data("clients_valid.csv"))
    response = client.get(f"/clients/import/{job.pk}/")
    page = response.content.decode()
    assert "Match the columns" in page
    form = response.context["mapping_form"]
    assert form["col_2"].initial == "email"
    assert form["col_3"].initial == "phone"
    assert form["col_9"].initial == "email_consent"
    assert "ann@example.test" in page and "jose@example.test" in page


def test_a_mapping_without_a_first_name_column_is_refused(login, owner):
    client = login(owner)
    job = uploaded(client, data("clients_no_first_name.csv"))
    assert job.mapping == {"0": "last_name", "1": "email"}
    response = check(client, job)
    assert response.status_code == 400
    errors = response.context["mapping_form"].non_field_errors()
    assert errors == [
        "Choose the column that holds the first name (or the full name): it is required."
    ]
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_a_field_chosen_for_two_columns_is_refused_at_the_second(login, owner):
    client = login(owner)
    job = uploaded(client, data("clients_valid.csv"))
    response = check(client, job, {**job.mapping, "1": "first_name"})
    assert response.status_code == 400
    assert response.context["mapping_form"].errors["col_1"] == [
        "First name is already taken by the column “First Name”: choose “ignore” for one of them."
    ]


def test_health_columns_are_not_offered_to_the_front_desk(login, front_desk, manager):
    content = b"First name,Health notes,Injuries\nAnn,Asthma,Knee\n"
    desk_job = uploaded(login(front_desk), content)
    assert desk_job.mapping == {"0": "first_name"}
    response = check(login(front_desk), desk_job, {"0": "first_name", "1": "health_notes"})
    assert response.status_code == 400
    assert "col_1" in response.context["mapping_form"].errors
    manager_job = uploaded(login(manager), content)
    assert manager_job.mapping == {"0": "first_name", "1": "health_notes", "2": "injuries"}


# --- Step 3: the dry run ------------------------------------------------------------------------


def test_a_valid_file_is_checked_without_writing_anything(login, owner):
    job = checked(login(owner), data("clients_valid.csv"))
    assert (job.total_rows, job.valid_rows, job.error_rows) == (3, 3, 0)
    assert not Client.objects.exists()
    assert not Tag.objects.exists()


def test_row_errors_are_listed_with_row_numbers_columns_and_messages(login, owner):
    ClientFactory(first_name="Eve", email="eve@example.test")
    client = login(owner)
    job = checked(client, data("clients_errors.csv"))
    assert (job.total_rows, job.valid_rows, job.error_rows) == (6, 1, 5)
    errors = [(e.row, e.column, e.message) for e in job.row_errors.all()]
    assert errors == [
        (3, "First name", "A first name is required."),
        (4, "Email", "“not-an-email” is not a valid email address."),
        (4, "Phone", "“12” is not a valid phone number."),
        (5, "Status", "Unknown status “vip”: use Lead, Trial, Active, Paused or Inactive."),
        (
            5,
            "Source",
            "Unknown source “google”: use Walk-in, Referral, Website, Social media or Other.",
        ),
        (5, "Date of birth", "“31/02/1990” is not a date: write it as 1990-04-23 or 23/04/1990."),
        (6, "Email", "The email ann@example.test is already on row 2 of this file."),
        (
            7,
            "Email",
            "A client with the email eve@example.test already exists "
            f"(#{Client.objects.get().pk}).",
        ),
    ]
    page = client.get(f"/clients/import/{job.pk}/").content.decode()
    assert "Problems found" in page
    assert "“not-an-email” is not a valid email address." in page
    assert Client.objects.count() == 1


def test_a_name_or_text_over_its_limit_is_an_error_of_that_row(login, owner):
    content = f"First name,Goals\n{'A' * 81},x\nBob,{'g' * 4001}\n".encode()
    job = checked(login(owner), content)
    assert [(e.row, e.column, e.message) for e in job.row_errors.all()] == [
        (2, "First name", "At most 80 characters (this has 81)."),
        (3, "Goals", "At most 4000 characters (this has 4001)."),
    ]


def test_a_name_or_tag_with_hidden_characters_is_an_error_of_that_row(login, owner):
    content = "First name,Tags\nAnn\u202e,VIP\nBob,Morn\u200bing\nCara,Morning\n".encode()
    job = checked(login(owner), content)
    assert [(e.row, e.column, e.message) for e in job.row_errors.all()] == [
        (
            2,
            "First name",
            "Invisible formatting characters are not allowed here (U+202E RIGHT-TO-LEFT OVERRIDE).",
        ),
        (
            3,
            "Tags",
            "A tag: Invisible formatting characters are not allowed here "
            "(U+200B ZERO WIDTH SPACE).",
        ),
    ]
    assert job.valid_rows == 1


def test_a_row_with_more_cells_than_columns_is_reported(login, owner):
    job = checked(login(owner), b"First name,Email\nAnn,ann@example.test,extra\nBob,,\n")
    [error] = job.row_errors.all()
    assert error.row == 2
    assert "This row has 3 cells but the header has 2 columns" in error.message
    assert job.valid_rows == 1


def test_duplicate_emails_are_found_in_the_file_and_among_clients_whatever_their_case(login, owner):
    existing = ClientFactory(first_name="Old", email="old@example.test")
    content = (
        b"First name,Email\n"
        b"Ann,ann@example.test\n"
        b"Annie,ANN@Example.test\n"
        b"Olly,Old@EXAMPLE.test\n"
        b"Ann again,ann@example.TEST\n"
    )
    job = checked(login(owner), content)
    assert (job.duplicates_in_file, job.duplicates_existing) == (2, 1)
    assert [(e.row, e.code) for e in job.row_errors.all()] == [
        (3, "duplicate_in_file"),
        (4, "duplicate_existing"),
        (5, "duplicate_in_file"),
    ]
    assert f"(#{existing.pk})" in job.row_errors.get(row=4).message
    assert job.valid_rows == 1


def test_archived_clients_still_hold_their_email(login, owner):
    from django.utils import timezone

    ClientFactory(first_name="Gone", email="gone@example.test", archived_at=timezone.now())
    job = checked(login(owner), b"First name,Email\nGina,gone@example.test\n")
    assert job.duplicates_existing == 1


# --- Step 4: the import -----------------------------------------------------------------------


def test_nothing_is_written_when_any_row_is_invalid(login, owner):
    client = login(owner)
    job = checked(client, data("clients_errors.csv"))
    page = client.get(f"/clients/import/{job.pk}/").content.decode()
    assert 'data-testid="import-all" class="btn btn-outline-secondary" disabled' in page
    response = commit(client, job, "all")
    assert "4 rows have errors" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert not Client.objects.exists()
    assert not AuditEntry.objects.filter(action="client.import").exists()


def test_importing_only_the_valid_rows_writes_exactly_those(login, owner):
    ClientFactory(first_name="Eve", email="eve@example.test")
    client = login(owner)
    job = checked(client, data("clients_errors.csv"))
    response = commit(client, job, "valid")
    assert "1 client imported." in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, 1)
    imported = Client.objects.exclude(first_name="Eve")
    assert [(c.first_name, c.email, c.phone, c.status, c.source) for c in imported] == [
        ("Ann", "ann@example.test", "+447911123456", Status.ACTIVE, Source.WALK_IN)
    ]
    entry = AuditEntry.objects.get(action="client.import")
    assert entry.changes == {
        "file": "clients.csv",
        "mode": "valid",
        "rows": 6,
        "imported": 1,
        "skipped": 5,
        "rows_with_errors": 5,
    }
    # The skipped rows stay listed on the finished import.
    assert job.row_errors.count() == 8
    assert "were skipped" in client.get(f"/clients/import/{job.pk}/").content.decode()


def test_a_valid_file_is_imported_whole_with_a_timeline_entry_each_and_one_audit_entry(
    login, owner
):
    client = login(owner)
    job = checked(client, data("clients_valid.csv"))
    response = commit(client, job, "all")
    assert response.status_code == 200
    assert "3 clients imported." in response.content.decode()
    ann = Client.objects.get(email="ann@example.test")
    assert (ann.first_name, ann.last_name, ann.phone) == ("Ann", "Lee", "+447911123456")
    assert ann.date_of_birth.isoformat() == "1990-04-23"
    assert (ann.status, ann.source, ann.postal_code) == (Status.ACTIVE, Source.WALK_IN, "LS1 1AA")
    assert ann.email_consent and ann.email_consent_at is not None
    assert sorted(ann.tags.values_list("name", flat=True)) == ["Morning", "VIP"]
    assert ann.created_by == owner
    jose = Client.objects.get(email="jose@example.test")
    assert (jose.status, jose.phone, jose.email_consent) == (Status.TRIAL, "+34612345678", False)
    zoe = Client.objects.get(first_name="Zoë")
    assert (zoe.status, zoe.source, zoe.email) == (Status.LEAD, Source.OTHER, "")
    # Found by search like any client (search_text filled without save()).
    assert Client.objects.filter(search_text__contains="lukasiewicz").get() == zoe
    assert Tag.objects.count() == 2
    [entry] = ann.timeline.all()
    assert entry.kind == EntryKind.SYSTEM
    assert entry.body == f"Imported from “clients.csv” (import #{job.pk})."
    assert entry.data == {"import_id": job.pk, "row": 2, "status": "active"}
    assert entry.author == owner
    [audit] = AuditEntry.objects.filter(action="client.import")
    assert audit.changes["imported"] == 3
    assert not AuditEntry.objects.filter(action="client.create").exists()
    job.refresh_from_db()
    assert not job.file  # the uploaded file is deleted once imported
    assert job.preview == []


def test_an_import_cannot_be_run_twice(login, owner):
    client = login(owner)
    job = checked(client, data("clients_valid.csv"))
    commit(client, job, "all")
    response = commit(client, job, "all")
    assert "Only a checked file can be imported" in response.content.decode()
    assert Client.objects.count() == 3


def test_a_failure_in_the_middle_of_the_import_writes_nothing(login, owner, monkeypatch):
    content = b"First name,Email,Tags\n" + b"".join(
        f"Client {n},c{n}@example.test,Imported\n".encode() for n in range(10)
    )
    client = login(owner)
    job = checked(client, content)
    monkeypatch.setattr(runs, "CHUNK_ROWS", 3)
    real_create = services.clients_import_create
    calls = []

    def failing_create(**kwargs):
        calls.append(len(kwargs["rows"]))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "clients_import_create", failing_create)
    response = commit(client, job, "all")
    assert calls == [3, 3, 3]
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("Nothing was imported: an unexpected error stopped the import")
    assert job.message in response.content.decode()
    assert not Client.objects.exists()
    assert not Tag.objects.exists()
    assert not AuditEntry.objects.filter(action="client.import").exists()
    assert job.file  # kept, so the import can be checked and tried again


def test_an_email_taken_after_the_check_stops_the_whole_import(login, owner):
    client = login(owner)
    job = checked(client, data("clients_valid.csv"))
    ClientFactory(first_name="Quick", email="jose@example.test")
    response = commit(client, job, "all")
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.message == (
        "Nothing was imported: since the check, other clients were added with the emails "
        "of 1 row (listed below)."
    )
    assert job.message in response.content.decode()
    assert Client.objects.count() == 1
    assert job.row_errors.get().row == 3
    assert (job.valid_rows, job.error_rows, job.duplicates_existing) == (2, 1, 1)
    # Importing only the valid rows now leaves that one out.
    commit(client, job, "valid")
    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.error_rows) == (ImportStatus.DONE, 2, 1)


def test_an_email_taken_while_the_rows_are_written_undoes_everything(login, owner, monkeypatch):
    client = login(owner)
    job = checked(client, data("clients_valid.csv"))
    real_create = services.clients_import_create

    def racing_create(**kwargs):
        ClientFactory(first_name="Racer", email="ann@example.test")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "clients_import_create", racing_create)
    commit(client, job, "all")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "Another client already has the email ann@example.test." in job.message
    assert not Client.objects.exists()  # the racer was in the same transaction, rolled back


def test_an_exported_file_can_be_imported_back(login, owner):
    ClientFactory(
        first_name="Ann", last_name="Lee", email="ann@example.test", phone="+447911123456"
    )
    client = login(owner)
    exported = b"".join(client.get("/clients/export.csv").streaming_content)
    Client.objects.all().delete()
    job = checked(client, exported, name="clients-export.csv")
    assert job.error_rows == 0
    commit(client, job, "all")
    ann = Client.objects.get()
    assert (ann.first_name, ann.email, ann.phone) == ("Ann", "ann@example.test", "+447911123456")


def test_a_semicolon_separated_file_with_a_full_name_column_is_read(login, owner):
    client = login(owner)
    job = checked(client, "Name;E-mail\nSmith, Ann;ann@example.test\nJosé Luis García;\n".encode())
    commit(client, job, "all")
    assert sorted(Client.objects.values_list("first_name", "last_name")) == [
        ("Ann", "Smith"),
        ("José Luis", "García"),
    ]


def test_a_tab_separated_file_is_read(login, owner):
    """Spreadsheets copied as text are tab-separated; the import keeps its delimiter."""
    client = login(owner)
    job = checked(client, b"First name\tEmail\nAnn\tann@example.test\n", name="a.tsv")
    assert job.delimiter == "\t"
    commit(client, job, "all")
    assert list(Client.objects.values_list("first_name", "email")) == [("Ann", "ann@example.test")]


def test_an_upload_named_to_show_reversed_is_kept_under_what_its_name_visibly_says(login, owner):
    client = login(owner)
    job = uploaded(client, b"First name\nAnn\n", name="members\u202egpj.csv")
    assert job.file_name == "membersgpj.csv"
    assert "membersgpj.csv" in client.get(f"/clients/import/{job.pk}/").content.decode()


# --- Cancelling, the error list, the progress -----------------------------------------------------


def test_cancelling_an_import_deletes_its_file(login, owner, media_root):
    client = login(owner)
    job = checked(client, data("clients_errors.csv"))
    path = media_root / job.file.name
    assert path.exists()
    response = client.post(f"/clients/import/{job.pk}/cancel/", follow=True)
    assert "cancelled; the file was deleted" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not path.exists()
    assert not job.row_errors.exists()
    assert commit(client, job, "valid").status_code == 200
    assert not Client.objects.exists()


def test_the_errors_can_be_downloaded_as_an_excel_safe_csv(login, owner):
    client = login(owner)
    job = checked(client, b"First name,Email\n=cmd(),=1@x\n")
    response = client.get(f"/clients/import/{job.pk}/errors.csv")
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeffRow,Column,Problem")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[1] == ["2", "Email", "“=1@x” is not a valid email address."]


def test_the_progress_of_a_finished_step_asks_the_page_to_reload(login, owner):
    client = login(owner)
    job = checked(client, data("clients_valid.csv"))
    url = f"/clients/import/{job.pk}/progress/"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert client.get(url)["Location"] == f"/clients/import/{job.pk}/"


def test_the_mapping_can_be_changed_after_the_check(login, owner):
    client = login(owner)
    job = checked(client, data("clients_errors.csv"))
    page = client.get(f"/clients/import/{job.pk}/?mapping").content.decode()
    assert "Match the columns" in page
    # Ignoring the status, source and date columns leaves fewer errors.
    mapping = {
        i: f for i, f in job.mapping.items() if f not in ("status", "source", "date_of_birth")
    }
    check(client, job, mapping)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.valid_rows == 3
