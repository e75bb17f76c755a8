"""CSV export of the client list: streamed, UTF-8 with a BOM, and safe to open in Excel.

Excel-safe: a cell that starts with =, +, -, @, a tab or a carriage return would be
run as a formula by a spreadsheet (CSV injection), so it is written with a leading
apostrophe, which makes it plain text. A phone number "+447700900123" is therefore
exported as "'+447700900123"; our importer takes the apostrophe off again.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django.utils import timezone

from fitnesscrm.clients import selectors
from fitnesscrm.clients.models import Client
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role

# A cell starting with one of these is written with a leading apostrophe (see above).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so Excel reads the file as UTF-8
ROWS_PER_CHUNK = 500  # rows written per piece of the streamed response
QUERY_CHUNK_SIZE = 2000  # rows fetched from the database at a time
MAX_SELECTED_IDS = 10_000

COLUMNS = (
    "ID",
    "First name",
    "Last name",
    "Email",
    "Phone",
    "Status",
    "Lead stage",
    "Source",
    "Tags",
    "Primary trainer",
    "Date of birth",
    "City",
    "Postal code",
    "Email consent",
    "SMS consent",
    "Created",
)
HEALTH_COLUMNS = ("Health notes", "Injuries")


def excel_safe(value) -> str:
    """The text of a cell, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    """UTF-8 bytes of a CSV file with a BOM, a few hundred rows at a time; every cell Excel-safe."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([excel_safe(cell) for cell in header])
    yield (BOM + line.take()).encode("utf-8")
    for count, row in enumerate(rows, start=1):
        writer.writerow([excel_safe(cell) for cell in row])
        if count % ROWS_PER_CHUNK == 0:
            yield line.take().encode("utf-8")
    rest = line.take()
    if rest:
        yield rest.encode("utf-8")


def export_includes_health(user) -> bool:
    """Owners and managers see every client's health notes; a trainer sees those of the
    clients assigned to them, which are the only clients they can export.
    (The per-client rule is selectors.can_see_health.)"""
    return role_of(user) in (MANAGEMENT_ROLES | {Role.TRAINER})


def parse_ids(raw: str) -> list[int]:
    """`ids=1,2,3` from the bulk "export selected" action."""
    ids = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ApplicationError(
                "The selection must be client numbers separated by commas.", code="invalid_ids"
            )
        ids.append(int(part))
    if len(ids) > MAX_SELECTED_IDS:
        raise ApplicationError(
            f"Select at most {MAX_SELECTED_IDS:,} clients, or export the filtered list.",
            code="too_many",
        )
    return ids


def _local(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _row(client: Client, *, health: bool) -> list:
    primary = next((a for a in client.active_assignments if a.is_primary), None)
    row = [
        client.pk,
        client.first_name,
        client.last_name,
        client.email,
        client.phone,
        client.get_status_display(),
        client.get_lead_stage_display(),
        client.get_source_display(),
        ", ".join(tag.name for tag in client.tag_list),
        str(primary.trainer) if primary else "",
        _local(client.date_of_birth),
        client.city,
        client.postal_code,
        client.email_consent,
        client.sms_consent,
        _local(client.created_at),
    ]
    if health:
        row += [client.health_notes, client.injuries]
    return row


def clients_export(*, user, filters: dict, ids: list[int] | None = None) -> Iterator[bytes]:
    """The filtered client list `user` may see, as CSV bytes to stream; the export is audited.

    `filters` are client_list's (q, status, trainer_id, tag_id, source, sort). With
    `ids`, only those clients are exported (of those the user may see). Rows are read
    QUERY_CHUNK_SIZE at a time, so a list of 100,000 clients never sits in memory.
    """
    clients = selectors.client_list(user=user, **filters)
    if ids is not None:
        clients = clients.filter(pk__in=ids)
    health = export_includes_health(user)
    count = clients.count()
    audit_record(
        actor=user,
        action="client.export",
        object_type="clients.client",
        object_label=f"{count} clients",
        changes={
            "filters": {name: value for name, value in filters.items() if value},
            **({"ids": ids if len(ids) <= 100 else f"{len(ids)} ids"} if ids is not None else {}),
            "rows": count,
            "health_fields": health,
        },
    )
    header = COLUMNS + (HEALTH_COLUMNS if health else ())
    rows = (_row(client, health=health) for client in clients.iterator(QUERY_CHUNK_SIZE))
    return csv_chunks(header, rows)


def export_file_name(prefix: str = "clients") -> str:
    return f"{prefix}-{timezone.localdate().isoformat()}.csv"
