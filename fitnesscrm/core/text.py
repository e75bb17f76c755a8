"""Text helpers shared by the apps: search keys and phone numbers."""

import unicodedata

import phonenumbers
from django.conf import settings

# Letters that Unicode does not decompose into a base letter plus an accent, so
# NFKD alone would leave "Łukasz" unfound by "lukasz" (or Turkish dotless i by "i").
_FOLD = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "\u0131": "i",  # dotless i, as in Yılmaz  # noqa: RUF003
        "ħ": "h",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
    }
)


def search_key(*parts: str | None) -> str:
    """Lower-case text without accents, so "José" is found by "jose" on every database."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return plain.translate(_FOLD).strip()


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str | None = None) -> str:
    """A phone number in E.164 ("+447700900123"), or "" for blank input.

    Numbers without a country code are read in PHONE_REGION (the business's country).
    """
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"“{raw}” is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"“{raw}” is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def digits(raw: str) -> str:
    return "".join(ch for ch in raw or "" if ch.isdigit())
