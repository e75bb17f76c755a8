"""The zip of everything held about one client: export.json, one CSV per section, the photos.

The structure is documented in docs/PRIVACY.md. Each section is a list of rows; a row
holds the model's own columns (foreign keys as `<name>_id`), plus a few readable
columns where an id alone would say nothing (a session's title, a product's name).
Health data is exported too: it is the client's own data.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from fitnesscrm.clients.csv_io import FORMULA_PREFIXES

FORMAT_VERSION = 1
# Never exported: internal keys and derived text, no data about the client.
SKIPPED = {"search_text", "password", "token", "key_hash", "request_hash"}


@dataclass(frozen=True)
class Section:
    name: str
    description: str
    rows: object  # Callable[[Client], QuerySet]
    extra: tuple[tuple[str, str], ...] = ()  # (column, "related__path")


def _client_rows(client):
    from fitnesscrm.clients.models import Client

    return Client.objects.filter(pk=client.pk)


def _audit_rows(client):
    from fitnesscrm.core.models import AuditEntry

    about = Q(object_type="clients.client", object_id=str(client.pk))
    if client.user_id:
        about |= Q(actor_id=client.user_id)
    return AuditEntry.objects.filter(about)


def _sections():
    from fitnesscrm.billing.models import (
        CreditGrant,
        CreditNote,
        Invoice,
        InvoiceLine,
        Membership,
        Payment,
        Refund,
    )
    from fitnesscrm.clients.models import Assignment, ConsentRecord, FollowUpTask, TimelineEntry
    from fitnesscrm.privacy.models import DataSubjectRequest
    from fitnesscrm.progress.models import Goal, Measurement, ProgressPhoto
    from fitnesscrm.scheduling.models import Booking
    from fitnesscrm.training.models import LoggedSet, PersonalRecord, Program, WorkoutLog

    return (
        Section("profile", "The client record: name, contact details, health notes.", _client_rows),
        Section(
            "tags",
            "The tags on the client record.",
            lambda c: c.tags.model.objects.filter(clients=c),
        ),
        Section(
            "notes",
            "Notes, logged calls and emails, and changes on the client's timeline.",
            lambda c: TimelineEntry.objects.filter(client=c),
        ),
        Section(
            "follow_up_tasks",
            "Staff to-dos about the client.",
            lambda c: FollowUpTask.objects.filter(client=c),
        ),
        Section(
            "trainers",
            "The trainers assigned to the client, past and present.",
            lambda c: Assignment.objects.filter(client=c),
            (("trainer_name", "trainer__user__full_name"),),
        ),
        Section(
            "bookings",
            "Bookings of classes and sessions, with attendance (checked_in_at, status).",
            lambda c: Booking.objects.filter(client=c),
            (("session_title", "session__title"), ("session_starts_at", "session__starts_at")),
        ),
        Section(
            "memberships",
            "Memberships and their terms.",
            lambda c: Membership.objects.filter(client=c),
            (("product_name", "product__name"),),
        ),
        Section(
            "credits", "Session credits granted.", lambda c: CreditGrant.objects.filter(client=c)
        ),
        Section("invoices", "Invoices.", lambda c: Invoice.objects.filter(client=c)),
        Section(
            "invoice_lines",
            "The lines of the invoices.",
            lambda c: InvoiceLine.objects.filter(invoice__client=c),
        ),
        Section("payments", "Payments.", lambda c: Payment.objects.filter(client=c)),
        Section("refunds", "Refunds.", lambda c: Refund.objects.filter(payment__client=c)),
        Section(
            "credit_notes",
            "Credit notes.",
            lambda c: CreditNote.objects.filter(invoice__client=c),
        ),
        Section(
            "programs",
            "Workout programs made for the client.",
            lambda c: Program.objects.filter(client=c),
        ),
        Section("workout_logs", "Logged workouts.", lambda c: WorkoutLog.objects.filter(client=c)),
        Section(
            "workout_sets",
            "The sets of the logged workouts.",
            lambda c: LoggedSet.objects.filter(log__client=c),
            (("exercise_name", "exercise__name"),),
        ),
        Section(
            "personal_records",
            "Personal records.",
            lambda c: PersonalRecord.objects.filter(client=c),
            (("exercise_name", "exercise__name"),),
        ),
        Section(
            "measurements", "Body measurements.", lambda c: Measurement.objects.filter(client=c)
        ),
        Section("goals", "Goals.", lambda c: Goal.objects.filter(client=c)),
        Section(
            "photos",
            "Progress photos; each file is in photos/ under the name in `file_in_zip`.",
            lambda c: ProgressPhoto.objects.filter(client=c),
        ),
        Section(
            "consents",
            "Every grant and withdrawal of a consent (health data, email and SMS marketing).",
            lambda c: ConsentRecord.objects.filter(client=c),
        ),
        Section(
            "data_requests",
            "The client's requests about their data.",
            lambda c: DataSubjectRequest.objects.filter(client=c),
        ),
        Section(
            "audit",
            "The audit log entries about the client's record or made by their login.",
            _audit_rows,
        ),
    )


def section_names() -> list[str]:
    return [section.name for section in _sections()]


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime):
        return value.astimezone(timezone.UTC).isoformat()
    if isinstance(value, date | Decimal):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if hasattr(value, "name"):  # a file field
        return value.name or ""
    return str(value)


def _columns(queryset: QuerySet, section: Section) -> list[str]:
    fields = [f.attname for f in queryset.model._meta.concrete_fields if f.name not in SKIPPED]
    return fields + [column for column, _path in section.extra]


def _rows(queryset: QuerySet, section: Section, columns: list[str]) -> list[dict]:
    paths = [f.attname for f in queryset.model._meta.concrete_fields if f.name not in SKIPPED]
    paths += [path for _column, path in section.extra]
    rows = []
    for values in queryset.order_by("pk").values_list(*paths):
        rows.append({col: _plain(val) for col, val in zip(columns, values, strict=True)})
    return rows


def _csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            cells.append("" if value is None else value)
        # A cell a spreadsheet would run as a formula is written as text.
        writer.writerow(
            [f"'{c}" if isinstance(c, str) and c.startswith(FORMULA_PREFIXES) else c for c in cells]
        )
    return out.getvalue()


README = """Your personal data held by {business}
{underline}

Generated at {generated_at} (UTC) for client #{client_id}.

export.json    everything below in one JSON file: "format_version", "generated_at",
               "client_id", "sections" (what each section is), then one key per
               section holding a list of rows.
<section>.csv  the same rows, one CSV file per section (UTF-8, comma separated, first
               row = column names; list and object values are JSON).
photos/        your progress photos; the "photos" section names each file.

Sections:
{sections}

Columns ending in "_id" are references to another row (in this export where it is
yours, e.g. invoice_id in payments). Times are in UTC (ISO 8601); amounts of money are
whole minor units (cents) with their currency. There is no messaging in this system,
so no messages are held about you.
"""


def build_zip(client, *, business: str = "FitnessCRM") -> tuple[bytes, dict[str, int]]:
    """The export of `client` as zip bytes, and the row count of each section."""
    from fitnesscrm.progress.storage import extension, photo_storage

    generated_at = timezone.now().astimezone(timezone.UTC).isoformat()
    document = {
        "format_version": FORMAT_VERSION,
        "generated_at": generated_at,
        "client_id": client.pk,
        "sections": {},
    }
    counts = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in _sections():
            queryset = section.rows(client)
            columns = _columns(queryset, section)
            rows = _rows(queryset, section, columns)
            if section.name == "photos":
                columns.append("file_in_zip")
                for row in rows:
                    row["file_in_zip"] = _add_photo(archive, row, photo_storage(), extension)
            document["sections"][section.name] = section.description
            document[section.name] = rows
            counts[section.name] = len(rows)
            archive.writestr(f"{section.name}.csv", _csv(columns, rows))
        archive.writestr(
            "export.json", json.dumps(document, ensure_ascii=False, indent=2, default=str)
        )
        listing = "\n".join(
            f"  {s.name + '.csv':<22}{counts[s.name]:>6} rows  {s.description}" for s in _sections()
        )
        title = f"Your personal data held by {business}"
        archive.writestr(
            "README.txt",
            README.format(
                business=business,
                underline="=" * len(title),
                generated_at=generated_at,
                client_id=client.pk,
                sections=listing,
            ),
        )
    return buffer.getvalue(), counts


def _add_photo(archive, row: dict, storage, extension) -> str:
    name = row.get("image") or ""
    if not name:
        return ""
    inside = f"photos/{row['id']}-{row['pose']}-{row['taken_on']}.{extension(name) or 'jpg'}"
    try:
        with storage.open(name, "rb") as handle:
            archive.writestr(inside, handle.read())
    except (FileNotFoundError, OSError):
        return ""
    return inside
