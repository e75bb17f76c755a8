"""Two-factor sign-in: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

Every write here runs in a transaction and is audited. A TOTP code is accepted in the
current 30-second step or the one before or after (clock drift), and each step only
once: `TOTPDevice.last_step` only moves forward, by a conditional update, so two
requests presenting the same code cannot both pass.
"""

import hashlib
import hmac
import secrets

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fitnesscrm.accounts import crypto, session_tracking
from fitnesscrm.accounts.models import (
    RecoveryCode,
    SecuritySettings,
    TOTPDevice,
    TwoFactorPolicy,
    User,
)
from fitnesscrm.core.audit import audit_record, field_changes
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.roles import STAFF_ROLES, Role

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: easy to copy by hand. 24 characters of 31: 118 bits each, past the 112
# bits above which a keyed hash needs no per-code salt (ASVS 5.0 6.5.2).
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 24
RECOVERY_CODE_GROUP = 6


class InvalidCode(ApplicationError):
    def __init__(self, message: str = "That code is not valid. Check it and try again."):
        super().__init__(message, code="invalid_code")


def can_use_two_factor(user) -> bool:
    return getattr(user, "role", None) in STAFF_ROLES and user.is_active


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def enrolment_required(user) -> bool:
    """The business's policy covers `user`, who has no authenticator app yet."""
    return SecuritySettings.load().requires_two_factor(user) and not is_enrolled(user)


def _current_step() -> int:
    return int(timezone.now().timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now = _current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def _use_totp(device: TOTPDevice, code: str) -> bool:
    step = _matching_step(crypto.decrypt(device.encrypted_secret), code)
    if step is None:
        return False
    # Only one request can move the step forward: a replayed code updates nothing.
    return bool(TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step))


# --- Enrolment -----------------------------------------------------------------------------


@transaction.atomic
def enrolment_start(*, user: User) -> tuple[TOTPDevice, str]:
    """The unconfirmed device of `user` (made if needed) and its secret, to show once."""
    if not can_use_two_factor(user):
        raise Forbidden("Two-factor authentication is for staff accounts.")
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise Conflict("Two-factor authentication is already on.", code="already_enrolled")
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, encrypted_secret=crypto.encrypt(pyotp.random_base32())
        )
    return device, crypto.decrypt(device.encrypted_secret)


def provisioning_uri(*, user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=settings.SITE_NAME
    )


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline <svg> element (no style attribute, for the CSP)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code to scan")


# Functions that check a code are not atomic as a whole: the audit entry of a refused
# code must stay when the refusal is raised. Their writes are atomic on their own.


def enrolment_confirm(*, user: User, code: str) -> list[str]:
    """Turn 2FA on with a first code from the app; returns the recovery codes, shown once."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None or device.is_confirmed:
        raise Conflict("Start the set-up again: open the set-up page.", code="no_enrolment")
    code = _normalise(code)
    if not _is_totp_code(code) or not _use_totp(device, code):
        audit_record(actor=user, action="auth.2fa_failed", target=user, changes={"step": "enrol"})
        raise InvalidCode("That code is not valid. Enter the 6-digit code your app shows now.")
    with transaction.atomic():
        updated = TOTPDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
        if not updated:
            raise Conflict("Two-factor authentication is already on.", code="already_enrolled")
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action="auth.2fa_enrol", target=user)
    return codes


def disable(*, user: User, password: str, code: str) -> None:
    """Turn 2FA off, with the password and a current code (or a recovery code)."""
    if SecuritySettings.load().requires_two_factor(user):
        raise Forbidden(
            "Your business requires two-factor authentication for your role: it cannot be "
            "turned off."
        )
    if not user.check_password(password or ""):
        audit_record(actor=user, action="auth.2fa_failed", target=user, changes={"step": "disable"})
        raise ApplicationError("That password is not correct.", code="invalid_password")
    verify(user=user, code=code, purpose="disable")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit_record(actor=user, action="auth.2fa_disable", target=user)


# --- Recovery codes ------------------------------------------------------------------------


def _code_hashes(code: str) -> list[str]:
    """The code's HMAC under the secret key and each fallback (rotation keeps codes working)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    message = f"fitnesscrm.accounts.recovery:{code}".encode()
    return [hmac.new(key.encode(), message, hashlib.sha256).hexdigest() for key in keys]


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        groups = range(0, RECOVERY_CODE_LENGTH, RECOVERY_CODE_GROUP)
        codes.append("-".join(raw[i : i + RECOVERY_CODE_GROUP] for i in groups))
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_code_hashes(_normalise(code))[0]) for code in codes
    )
    return codes


def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    if confirmed_device(user) is None:
        raise Conflict("Turn on two-factor authentication first.", code="not_enrolled")
    verify(user=user, code=code, purpose="recovery_regenerate", allow_recovery=False)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(actor=user, action="auth.2fa_recovery_regenerate", target=user)
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _use_recovery_code(user: User, code: str) -> bool:
    # A conditional update: a code used by two requests at once is spent by one of them.
    return bool(
        RecoveryCode.objects.filter(
            user=user, used_at__isnull=True, code_hash__in=_code_hashes(code)
        ).update(used_at=timezone.now())
    )


# --- Checking a code -----------------------------------------------------------------------


def verify(*, user: User, code: str, purpose: str = "login", allow_recovery: bool = True) -> str:
    """Check a code of `user`'s app, or one of their recovery codes, and spend it.

    Returns "totp" or "recovery"; raises InvalidCode (audited) for a wrong, expired or
    already used code.
    """
    device = confirmed_device(user)
    code = _normalise(code)
    if device is not None and code:
        if _is_totp_code(code):
            if _use_totp(device, code):
                return "totp"
        elif allow_recovery and _use_recovery_code(user, code):
            audit_record(
                actor=user,
                action="auth.2fa_recovery_used",
                target=user,
                changes={"purpose": purpose, "left": recovery_codes_left(user)},
            )
            return "recovery"
    audit_record(actor=user, action="auth.2fa_failed", target=user, changes={"step": purpose})
    raise InvalidCode()


# --- The owner's policy --------------------------------------------------------------------


@transaction.atomic
def policy_update(
    *, actor: User, two_factor_policy: str, keep_session_key: str | None = None
) -> SecuritySettings:
    """Who must use 2FA. It applies at once: the sessions of everyone it now covers who
    has not set 2FA up end, and their next sign-in asks them to set it up. The owner's
    own session (`keep_session_key`) stays; the view asks them there if they are covered.
    """
    if getattr(actor, "role", None) != Role.OWNER:
        raise Forbidden("Only an owner can change the security settings.")
    if two_factor_policy not in TwoFactorPolicy.values:
        raise ApplicationError("Choose one of the listed policies.", code="invalid_policy")
    row = SecuritySettings.load()
    row = SecuritySettings.objects.select_for_update().get(pk=row.pk)
    before = {"two_factor_policy": row.two_factor_policy}
    row.two_factor_policy = two_factor_policy
    row.save(update_fields=["two_factor_policy", "updated_at"])
    changes = field_changes(row, before, ["two_factor_policy"])
    if changes:
        audit_record(actor=actor, action="security.settings_update", target=row, changes=changes)
        session_tracking.sessions_end_without_two_factor(
            roles=row.covered_roles(), keep_key=keep_session_key
        )
    return row
