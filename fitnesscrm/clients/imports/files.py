"""Reading an uploaded CSV file, checked by its content: size, encoding, header and row count."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from fitnesscrm.core.errors import ApplicationError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
PREVIEW_ROWS = 3

UTF8 = "utf-8"
WINDOWS_1252 = "windows-1252"
ENCODING_CHOICES = [
    (UTF8, "UTF-8 (Excel: “CSV UTF-8”; Google Sheets, Numbers, LibreOffice)"),
    (WINDOWS_1252, "Windows-1252 / Latin-1 (older Excel “CSV” files on Windows)"),
]
_UTF8_BOM = b"\xef\xbb\xbf"
_DELIMITERS = (",", ";", "\t")


@dataclass
class FileFacts:
    encoding: str
    delimiter: str
    headers: list[str]
    total_rows: int
    preview: list[list[str]] = field(default_factory=list)


def _refuse(message: str, *, at: str = "file", code: str = "invalid_file") -> ApplicationError:
    return ApplicationError(message, code=code, errors=[{"field": at, "message": message}])


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.0f} KB"


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise _refuse(
            f"This file is {size_text(size)}; files of up to {MAX_FILE_BYTES // 1024 // 1024} MB "
            "can be imported. Split it into smaller files.",
            code="file_too_large",
        )


def _refuse_binary(data: bytes) -> None:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            "This is an Excel workbook, not a CSV file. In Excel, choose File, Save As, "
            "“CSV UTF-8 (Comma delimited)” and upload that file.",
            code="not_csv",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(
            "This file is UTF-16 (Excel's “Unicode Text”), which cannot be imported. "
            "Save it as “CSV UTF-8” and upload that file.",
            code="not_csv",
        )
    start = data[:512].lstrip(_UTF8_BOM + b" \t\r\n").lower()
    if start.startswith((b"<", b"#!", b"%pdf")):
        # A web page, SVG or XML document, a script or a PDF, whatever its name says: a
        # spreadsheet's first cell does not start so.
        raise _refuse(
            "This is not a CSV file: it looks like a web page, a script or a document. "
            "Upload a spreadsheet saved as CSV.",
            code="not_csv",
        )
    head = data[:65536]
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) // 100:
        raise _refuse(
            "This is not a CSV file: it contains binary data. Upload a spreadsheet saved as CSV.",
            code="not_csv",
        )


def decode(data: bytes, encoding: str) -> str:
    """The text of the file; UTF-8 (with or without a BOM) unless Windows-1252 was chosen."""
    if encoding == WINDOWS_1252 and not data.startswith(_UTF8_BOM):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            # Five bytes have no character in Windows-1252; Latin-1 reads every byte.
            return data.decode("latin-1")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = (
            f"This file is not UTF-8: the byte 0x{data[exc.start]:02X} on line {line} is not "
            "valid UTF-8, so names with accents would come out wrong. A “CSV” file saved by "
            "Excel on Windows is usually Windows-1252: choose “Windows-1252 / Latin-1” under "
            "Encoding and upload the file again, or save it from Excel as “CSV UTF-8”."
        )
        raise ApplicationError(
            message,
            code="wrong_encoding",
            errors=[
                {"field": "file", "message": message},
                {"field": "encoding", "message": "Try “Windows-1252 / Latin-1”."},
            ],
        ) from exc


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel in much of Europe) or tab: the one the header row uses most."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties go to the comma (listed first)
    return best if counts[best] else ","


def _reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _looks_like_data(cell: str) -> bool:
    cell = cell.strip()
    if "@" in cell and "." in cell.split("@")[-1]:
        return True
    digits = sum(ch.isdigit() for ch in cell)
    return digits >= 6 and digits >= len(cell.replace(" ", "")) * 0.6


def _headers(record: list[str] | None) -> list[str]:
    if record is None or _blank(record):
        raise _refuse(
            "The first row is empty. The file needs a header row with the column names, "
            "such as First name, Last name, Email, Phone.",
            code="no_header",
        )
    data_like = next((cell for cell in record if _looks_like_data(cell)), None)
    if data_like is not None:
        raise _refuse(
            f"The first row looks like a client (“{data_like.strip()[:60]}”), not column names. "
            "Add a header row with names such as First name, Last name, Email, Phone.",
            code="no_header",
        )
    if len(record) > MAX_COLUMNS:
        raise _refuse(
            f"The file has {len(record):,} columns; at most {MAX_COLUMNS} can be imported.",
            code="too_many_columns",
        )
    return [(cell.strip() or f"Column {i}")[:200] for i, cell in enumerate(record, start=1)]


def _csv_problem(exc: csv.Error, line: int) -> ApplicationError:
    if "field larger than field limit" in str(exc):
        detail = "a quoted cell is never closed, or one cell is extremely long"
    else:
        detail = str(exc)
    return _refuse(f"The file cannot be read as CSV near line {line:,}: {detail}.", code="bad_csv")


def inspect(data: bytes, *, encoding: str) -> FileFacts:
    """Check an uploaded file and describe it, or raise an error meant for the file field."""
    check_size(len(data))
    if not data.strip(b" \t\r\n" + _UTF8_BOM):
        raise _refuse("The file is empty.", code="empty_file")
    _refuse_binary(data)
    text = decode(data, encoding)
    delimiter = sniff_delimiter(text)
    reader = _reader(text, delimiter)
    preview: list[list[str]] = []
    total = 0
    try:
        headers = _headers(next(reader, None))
        for record in reader:
            if _blank(record):
                continue
            total += 1
            if total > MAX_ROWS:
                raise _refuse(
                    f"The file has more than {MAX_ROWS:,} rows of clients. Split it into files "
                    f"of up to {MAX_ROWS:,} rows and import them one after the other.",
                    code="too_many_rows",
                )
            if len(preview) < PREVIEW_ROWS:
                preview.append([cell.strip()[:100] for cell in record[: len(headers)]])
    except csv.Error as exc:
        raise _csv_problem(exc, reader.line_num) from exc
    if total == 0:
        raise _refuse("The file has a header row but no clients under it.", code="no_rows")
    used = UTF8 if encoding != WINDOWS_1252 or data.startswith(_UTF8_BOM) else WINDOWS_1252
    return FileFacts(
        encoding=used, delimiter=delimiter, headers=headers, total_rows=total, preview=preview
    )


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) for each non-blank row after the header."""
    reader = _reader(text, delimiter)
    next(reader, None)
    for number, record in enumerate(reader, start=2):
        if not _blank(record):
            yield number, record
