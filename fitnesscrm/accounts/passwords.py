"""The password rule: a length that depends on the role, a ceiling, and no composition rules.

Staff accounts need at least 12 characters, clients at least 8, and nobody more than
128. Any characters are allowed (spaces, emoji); common passwords are refused by
Django's CommonPasswordValidator, listed beside this one in AUTH_PASSWORD_VALIDATORS,
so every place that sets a password (change, reset, invitation, createadmin, the
services) applies both through `validate_password`.
"""

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

    for validator in get_default_password_validators():
        if isinstance(validator, RolePasswordValidator):
            return validator.get_help_text(user)
    return ""
