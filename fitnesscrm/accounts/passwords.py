"""The password rule: a length that depends on the role, a ceiling, and no composition rules.

Staff accounts need at least 12 characters, clients at least 8, and nobody more than
128. Any characters are allowed (spaces, emoji); common passwords are refused by
Django's CommonPasswordValidator, listed beside this one in AUTH_PASSWORD_VALIDATORS,
so every place that sets a password (change, reset, invitation, createadmin, the
services) applies both through `validate_password`.

ContextWordsValidator refuses a password that is little more than words about this
business: the product, the trade, the site's and the business's names, and the words
an operator adds in PASSWORD_CONTEXT_WORDS (the studio's nickname, its street, …).
What is left once those words are taken out must itself be long enough.
"""

import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError

from fitnesscrm.core.roles import Role


class RolePasswordValidator:
    def __init__(
        self, staff_min_length: int = 12, client_min_length: int = 8, max_length: int = 128
    ):
        self.staff_min_length = staff_min_length
        self.client_min_length = client_min_length
        self.max_length = max_length

    def min_length_for(self, user=None) -> int:
        # Without a user (or a role) the stricter rule applies.
        if getattr(user, "role", None) == Role.CLIENT:
            return self.client_min_length
        return self.staff_min_length

    def validate(self, password: str, user=None) -> None:
        minimum = self.min_length_for(user)
        if len(password) < minimum:
            who = "client accounts" if minimum == self.client_min_length else "staff accounts"
            if self.client_min_length == self.staff_min_length:
                who = "passwords"
            raise ValidationError(
                f"This password is too short: {who} need at least {minimum} characters.",
                code="password_too_short",
                params={"min_length": minimum},
            )
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: use at most {self.max_length} characters.",
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self, user=None) -> str:
        return (
            f"Use {self.min_length_for(user)} to {self.max_length} characters; any characters "
            "are allowed, and a passphrase of a few words is easy to remember. Common "
            "passwords are refused."
        )


def password_rule(user=None) -> str:
    """The rule shown under the new-password field, for `user`'s role."""
    from django.contrib.auth.password_validation import get_default_password_validators

    texts = [
        validator.get_help_text(user)
        for validator in get_default_password_validators()
        if isinstance(validator, RolePasswordValidator | ContextWordsValidator)
    ]
    return " ".join(texts)


# Words anyone guessing a password at a gym's CRM tries first (docs/SECURITY_HARDENING.md).
CONTEXT_WORDS = (
    "fitnesscrm",
    "fitness",
    "crm",
    "gym",
    "studio",
    "club",
    "trainer",
    "training",
    "coach",
    "workout",
    "member",
    "membership",
    "client",
    "owner",
    "manager",
    "frontdesk",
    "reception",
    "password",
    "welcome",
    "letmein",
    "admin",
)
# Look-alike digits and signs, read as the letters they stand for.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _squash(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def context_words() -> list[str]:
    """Every word refused as the bulk of a password, longest first."""
    words = set(CONTEXT_WORDS)
    names = [settings.SITE_NAME, *settings.PASSWORD_CONTEXT_WORDS]
    try:
        billing = apps.get_model("billing", "BillingSettings")
        names += list(billing.objects.values_list("business_name", flat=True)[:1])
    except LookupError:
        pass
    for name in names:
        parts = [_squash(part) for part in re.split(r"[\s,._-]+", name or "")]
        words.update(part for part in parts if len(part) >= 3)
        if len(_squash(name or "")) >= 3:
            words.add(_squash(name))
    return sorted(words, key=len, reverse=True)


class ContextWordsValidator:
    """What is left of a password without the business's words must still be long enough."""

    def validate(self, password: str, user=None) -> None:
        minimum = _length_rule().min_length_for(user)
        plain = password.casefold()
        readable = plain.translate(_LEET)
        found = []
        for word in context_words():
            if word in readable:
                found.append(word)
                plain = _remove(plain, readable, word)
                readable = plain.translate(_LEET)
        if not found:
            return
        rest = plain.strip()
        if len(rest) < minimum or not re.search(r"[^\W\d_]", rest):
            quoted = ", ".join(f"“{word}”" for word in sorted(found))
            raise ValidationError(
                f"This password is mostly words anyone would try for this business "
                f"({quoted}): without them it needs at least {minimum} characters.",
                code="password_context_words",
            )

    def get_help_text(self, user=None) -> str:
        return (
            "Words about the business (its name, “gym”, “fitness”…) do not count "
            "towards the length."
        )


def _remove(plain: str, readable: str, word: str) -> str:
    """`plain` without each occurrence of `word` (found in its look-alike reading)."""
    out, i = [], 0
    while i < len(plain):
        if readable.startswith(word, i):
            i += len(word)
        else:
            out.append(plain[i])
            i += 1
    return "".join(out)


def _length_rule() -> RolePasswordValidator:
    """The length rule as AUTH_PASSWORD_VALIDATORS configures it (the defaults without)."""
    from django.contrib.auth.password_validation import get_default_password_validators

    for validator in get_default_password_validators():
        if isinstance(validator, RolePasswordValidator):
            return validator
    return RolePasswordValidator()
