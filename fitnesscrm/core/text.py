"""Text helpers shared by the apps: search keys, phone numbers, and what text may hold."""

import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible

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


# Zero-width non-joiner and joiner: part of spelling Persian, Hindi and other
# scripts, and of emoji sequences. Every other invisible formatting character
# (bidi overrides and isolates, zero-width space, soft hyphen, BOM) is refused
# in single-line text: in a name or a title it only serves to disguise it.
_JOINERS = {"\u200c", "\u200d"}
# Tag characters spell regional flag emoji (England, Scotland, Wales).
_TAGS = range(0xE0020, 0xE0080)


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".strip()


def _kind(ch: str) -> str | None:
    """What a character is to the rules below: None for ordinary text."""
    category = unicodedata.category(ch)
    if ch in "\n\r" or category in ("Zl", "Zp"):
        return "break"
    if ch == "\t":
        return "tab"
    if category == "Cc":
        return "control"
    if category == "Cs":
        return "broken"
    if category == "Cf" and ch not in _JOINERS and ord(ch) not in _TAGS:
        return "hidden"
    return None


def text_problem(value: str, *, single_line: bool) -> str | None:
    """Why this text may not be stored, or None.

    Anywhere: control characters (NUL, escape, …) other than tab and line breaks,
    and unpaired surrogates. In single-line text (names, titles, subjects, which
    end up in email headers and lists): line breaks too, and invisible formatting
    characters such as U+202E RIGHT-TO-LEFT OVERRIDE.
    """
    if value.isprintable():
        return None
    for ch in value:
        kind = _kind(ch)
        if kind == "control":
            return f"Control characters are not allowed ({_describe(ch)})."
        if kind == "broken":
            return f"The text holds a broken character ({_describe(ch)})."
        if single_line and kind == "break":
            return "Line breaks are not allowed here."
        if single_line and kind == "tab":
            return "Tabs are not allowed here."
        if single_line and kind == "hidden":
            return f"Invisible formatting characters are not allowed here ({_describe(ch)})."
    return None


def one_line(value: str) -> str:
    """`value` as text_problem(single_line=True) accepts it: line breaks and tabs become
    spaces, other control and invisible formatting characters are dropped.

    For names that come from outside rather than from a person typing them (an uploaded
    file's name), which are kept, not refused.
    """
    out = []
    for ch in value:
        kind = _kind(ch)
        if kind in ("break", "tab"):
            out.append(" ")
        elif kind is None:
            out.append(ch)
    return "".join(out)


@deconstructible
class TextValidator:
    """text_problem() as a form or model field validator."""

    def __init__(self, *, single_line: bool = True):
        self.single_line = single_line

    def __call__(self, value) -> None:
        if isinstance(value, str):
            problem = text_problem(value, single_line=self.single_line)
            if problem:
                raise ValidationError(problem, code="unsafe_text")

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and other.single_line == self.single_line


def add_text_validator(field, *, single_line: bool) -> None:
    """Check a form field's text with text_problem(), which also covers NUL: Django's
    own null-character check goes, so a NUL gets one message, the one naming it."""
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    field.validators.append(TextValidator(single_line=single_line))
