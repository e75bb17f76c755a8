"""What a CSV column can become: the client fields, guesses from header names, reading a cell."""

import re
from datetime import date, datetime

from fitnesscrm.clients import services
from fitnesscrm.clients.csv_io import FORMULA_PREFIXES
from fitnesscrm.clients.models import HEALTH_FIELDS, Source, Status
from fitnesscrm.core.text import search_key

FULL_NAME = "full_name"
REQUIRED_FIELD = "first_name"

# The fields a column can be mapped to, in the order the mapping lists them.
IMPORT_FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    FULL_NAME: "Full name (split into first and last)",
    "email": "Email",
    "phone": "Phone",
    "date_of_birth": "Date of birth",
    "address_line1": "Address",
    "address_line2": "Address line 2",
    "city": "City",
    "postal_code": "Postal code",
    "country": "Country (two letters)",
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency contact phone",
    "goals": "Goals",
    "health_notes": "Health notes",
    "injuries": "Injuries",
    "source": "Source",
    "status": "Status",
    "tags": "Tags",
    "email_consent": "Email marketing consent",
    "sms_consent": "SMS marketing consent",
}

# Header names (lower-case letters and digits only) that each field is guessed from.
_SYNONYMS = {
    "first_name": "firstname first givenname forename vorname prenom nombre",
    "last_name": "lastname last surname familyname nachname nom apellido apellidos",
    FULL_NAME: "name fullname clientname membername contactname customername",
    "email": "email emailaddress mail emailadresse correo",
    "phone": (
        "phone mobile mobilephone mobilenumber phonenumber cell cellphone telephone tel "
        "telefon telephonenumber contactnumber"
    ),
    "date_of_birth": "dateofbirth dob birthday birthdate",
    "address_line1": "address address1 addressline1 street streetaddress",
    "address_line2": "address2 addressline2",
    "city": "city town",
    "postal_code": "postalcode postcode zip zipcode",
    "country": "country countrycode",
    "emergency_contact_name": "emergencycontact emergencycontactname",
    "emergency_contact_phone": "emergencycontactphone emergencyphone",
    "goals": "goals goal",
    "health_notes": "healthnotes health medical medicalnotes",
    "injuries": "injuries injury",
    "source": "source leadsource referralsource howdidyouhearaboutus",
    "status": "status clientstatus memberstatus",
    "tags": "tags tag labels",
    "email_consent": (
        "emailconsent emailmarketingconsent emailmarketing emailoptin marketingemails newsletter"
    ),
    "sms_consent": "smsconsent smsmarketingconsent smsmarketing smsoptin textmarketing",
}
_GUESSES = {key: name for name, keys in _SYNONYMS.items() for key in keys.split()}

_TRUE = {"yes", "y", "true", "t", "1", "x", "✓", "✔", "on", "ja", "oui", "si", "sí"}
_FALSE = {"no", "n", "false", "f", "0", "off", "nein", "non", "-"}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y")


class CellError(ValueError):
    pass


def field_choices(actor) -> list[tuple[str, str]]:
    """The fields `actor` may fill from a file (health data only for those who may write it)."""
    health = services.selectors_can_write_health(actor)
    return [
        (name, label)
        for name, label in IMPORT_FIELDS.items()
        if health or name not in HEALTH_FIELDS
    ]


def header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", search_key(header))


def guess_mapping(headers: list[str], allowed: set[str]) -> dict[str, str]:
    """{column index: field} guessed from the header names; each field used at most once."""
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        name = _GUESSES.get(header_key(header))
        if name in allowed and name not in mapping.values():
            mapping[str(index)] = name
    if "first_name" in mapping.values():
        # "Name" beside "First name" is usually a display name: keep the precise columns.
        mapping = {index: name for index, name in mapping.items() if name != FULL_NAME}
    return mapping


def unescape(raw: str) -> str:
    """A cell's text, without the apostrophe our export adds before = + - @ (see csv_io)."""
    text = raw.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "".join(FORMULA_PREFIXES):
        return text[1:].strip()
    return text


def _key(text: str) -> str:
    return header_key(text)


_STATUSES = {_key(v): v for v in Status.values} | {_key(label): v for v, label in Status.choices}
_SOURCES = (
    {_key(v): v for v in Source.values}
    | {_key(label): v for v, label in Source.choices}
    | {"social": Source.SOCIAL, "web": Source.WEBSITE, "referred": Source.REFERRAL}
)


def _choice(raw: str, known: dict[str, str], what: str, choices) -> str:
    if not raw:
        return ""
    try:
        return known[_key(raw)]
    except KeyError:
        labels = [label for _value, label in choices]
        listed = ", ".join(labels[:-1]) + " or " + labels[-1]
        raise CellError(f"Unknown {what} “{raw[:60]}”: use {listed}.") from None


def read_status(raw: str) -> str:
    return _choice(raw, _STATUSES, "status", Status.choices)


def read_source(raw: str) -> str:
    return _choice(raw, _SOURCES, "source", Source.choices) or Source.OTHER


def read_yes_no(raw: str) -> bool:
    key = raw.strip().lower()
    if not key:
        return False
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"“{raw[:60]}” is not yes or no.")


def read_date(raw: str) -> date | None:
    if not raw:
        return None
    text = raw.split("T")[0].split(" ")[0]  # a spreadsheet's "1990-04-23 00:00:00"
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"“{raw[:60]}” is not a date: write it as 1990-04-23 or 23/04/1990.")


def read_tags(raw: str) -> list[str]:
    names: dict[str, str] = {}
    for part in re.split(r"[,;|]", raw):
        name = part.strip()
        if name:
            names.setdefault(name.lower(), name)
    return list(names.values())


def read_full_name(raw: str) -> tuple[str, str]:
    """ "Ann Marie Smith" → ("Ann Marie", "Smith"); "Smith, Ann" → ("Ann", "Smith")."""
    if "," in raw:
        last, _, first = raw.partition(",")
        return first.strip(), last.strip()
    first, _, last = raw.rpartition(" ")
    if not first:
        return last.strip(), ""
    return first.strip(), last.strip()


_READERS = {
    "status": read_status,
    "source": read_source,
    "email_consent": read_yes_no,
    "sms_consent": read_yes_no,
    "date_of_birth": read_date,
    "tags": read_tags,
}


def read_row(record: list[str], mapping: dict[int, str]) -> tuple[dict, dict[str, str]]:
    """The values of one row for client_import_clean, and the cells that could not be read."""
    values: dict = {}
    errors: dict[str, str] = {}
    for index, name in mapping.items():
        raw = unescape(record[index]) if index < len(record) else ""
        if name == FULL_NAME:
            values["first_name"], values["last_name"] = read_full_name(raw)
            continue
        reader = _READERS.get(name)
        try:
            values[name] = reader(raw) if reader else raw
        except CellError as exc:
            errors[name] = str(exc)
    return values, errors
