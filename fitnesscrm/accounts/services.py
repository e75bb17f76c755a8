"""Every write to accounts (users, API keys), in a transaction and audited; and its emails."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from fitnesscrm.accounts.models import ApiKey, User, normalize_email
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.permissions import can_manage_api_keys
from fitnesscrm.core.roles import Role

API_KEY_PREFIX = "fcrm"


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str,
    role: Role,
    password: str | None = None,
    is_superuser: bool = False,
    actor: User | None = None,
    validate: bool = True,
) -> User:
    email = normalize_email(email)
    try:
        # The login form takes only email addresses: anything else could never sign in.
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(
            f"{email!r} is not a valid email address.", code="invalid_email"
        ) from exc
    if User.objects.filter(email=email).exists():
        raise Conflict(f"A user with the email {email} already exists.", code="email_taken")
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", code="invalid_role")
    user = User(email=email, full_name=full_name, role=role, is_superuser=is_superuser)
    if password is not None and validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), code="weak_password") from exc
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        changes={"email": [None, email], "role": [None, role], "full_name": [None, full_name]},
    )
    return user


def password_reset_email_send(*, user_id: int, domain: str, use_https: bool) -> bool:
    """Email `user_id` a link to choose a new password; False if nothing was sent.

    Runs in the worker. The token is made here, not when the reset was asked for, so
    the queue row (kept after it runs, and in backups) never holds a working link, and
    an account disabled in the meantime gets none.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    set_password_email_send(
        user=user, templates="accounts/email/password_reset", domain=domain, use_https=use_https
    )
    return True


def set_password_email_send(
    *, user: User, templates: str, domain: str, use_https: bool, context: dict | None = None
) -> None:
    """Send `user` an email with a one-time link to set their password.

    Used for resets and for invitations. `templates` names three templates:
    `<templates>_subject.txt`, `<templates>.txt` and `<templates>.html`. The link
    carries Django's password-reset token, which stops working once the password is
    set or after PASSWORD_RESET_TIMEOUT; callers run this in the worker, so the queue
    row never holds a working link.
    """
    context = {
        **(context or {}),
        "user": user,
        "email": user.email,
        "domain": domain,
        "protocol": "https" if use_https else "http",
        "site_name": settings.SITE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
    }
    subject = render_to_string(f"{templates}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject="".join(subject.splitlines()),
        body=render_to_string(f"{templates}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"{templates}.html", context), "text/html")
    message.send()


def _hash_key(raw_key: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is safe (unlike passwords).
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _invalid_key_field(field: str, message: str) -> ApplicationError:
    # code "invalid" with the field named: the API answers 422, a page shows it at the field.
    return ApplicationError(message, code="invalid", errors=[{"field": field, "message": message}])


def _key_scopes(scopes, within: ApiKey | None) -> list[str]:
    from fitnesscrm.core.api_auth import ALL_SCOPES, clean_scopes

    if scopes is None:
        # Unnamed: everything, or everything the key making this one may do.
        return list(within.scopes) if within is not None else list(ALL_SCOPES)
    try:
        scopes = clean_scopes(scopes)
    except ValueError as exc:
        raise _invalid_key_field("scopes", str(exc)) from exc
    if not scopes:
        raise _invalid_key_field(
            "scopes", "Choose at least one scope: a key without one can do nothing."
        )
    if within is not None:
        beyond = [scope for scope in scopes if scope not in within.scopes]
        if beyond:
            raise Forbidden(
                "A key cannot make a key that can do more than itself: "
                f"it lacks {', '.join(beyond)}.",
                code="insufficient_scope",
            )
    return scopes


def _key_expiry(expires_at, within: ApiKey | None):
    now = timezone.now()
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise _invalid_key_field(
                "expires_at", "Give the expiry with its time zone, e.g. 2026-01-31T00:00:00Z."
            )
        if expires_at <= now:
            raise _invalid_key_field("expires_at", "The expiry must be in the future.")
        longest = settings.API_KEY_MAX_LIFETIME_DAYS
        if expires_at > now + timedelta(days=longest):
            raise _invalid_key_field(
                "expires_at", f"A key can be valid for at most {longest} days."
            )
    if (
        within is not None
        and within.expires_at is not None
        and (expires_at is None or expires_at > within.expires_at)
    ):
        # A key made by a key that expires ends no later than it.
        expires_at = within.expires_at
    return expires_at


@transaction.atomic
def api_key_create(
    *,
    user: User,
    name: str,
    actor: User | None = None,
    scopes=None,
    expires_at=None,
    within: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for `user`; returns the row and the full key, which is never stored.

    `scopes` None gives every scope; `within` is the key this request came with, if
    any: the new key can do no more than it, and expires no later.
    """
    actor = actor or user
    if actor.pk != user.pk:
        raise Forbidden("You can only create API keys for yourself.")
    if not can_manage_api_keys(user):
        raise Forbidden("Only staff accounts can have API keys.")
    name = (name or "").strip()
    if not name:
        raise ApplicationError(
            "Give the key a name, so you know later where it is used.", code="name_required"
        )
    if len(name) > 100:
        raise ApplicationError("The name is longer than 100 characters.", code="name_too_long")
    scopes = _key_scopes(scopes, within)
    expires_at = _key_expiry(expires_at, within)
    prefix = secrets.token_hex(6)
    raw_key = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=_hash_key(raw_key),
        scopes=scopes,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="apikey.create",
        target=key,
        changes={
            "name": [None, name],
            "scopes": [None, scopes],
            "expires_at": [None, expires_at.isoformat() if expires_at else None],
        },
    )
    return key, raw_key


@transaction.atomic
def api_key_revoke(*, key_id: int, actor: User) -> ApiKey:
    """Revoke one of the actor's own keys (an owner may revoke anyone's)."""
    try:
        key = ApiKey.objects.select_for_update().get(pk=key_id)
    except ApiKey.DoesNotExist as exc:
        raise NotFound("No such API key.") from exc
    if key.user_id != actor.pk and actor.role != Role.OWNER:
        # Same answer as a missing key: ids of other people's keys reveal nothing.
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="apikey.revoke", target=key)
    return key


class ApiKeyRejected(Exception):
    """The presented key cannot be used; the message says why, for the 401 answer."""


def api_key_authenticate(raw_key: str) -> User:
    """The active user behind a presented key, recording when the key was last used."""
    return api_key_check(raw_key).user


def api_key_check(raw_key: str) -> ApiKey:
    """The usable key presented (its user loaded), recording when it was last used."""
    # At most two splits: the secret is URL-safe base64, which itself may contain "_".
    parts = (raw_key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        raise ApiKeyRejected("Malformed API key: expected fcrm_<prefix>_<secret>.")
    key = ApiKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash_key(raw_key)):
        raise ApiKeyRejected("Unknown API key.")
    if key.revoked_at is not None:
        raise ApiKeyRejected("This API key has been revoked.")
    if key.is_expired:
        raise ApiKeyRejected(
            f"This API key expired on {key.expires_at:%Y-%m-%d %H:%M} UTC; "
            "create a new one on the API keys page."
        )
    if not key.user.is_active:
        raise ApiKeyRejected("The account this API key belongs to is disabled.")
    if not can_manage_api_keys(key.user):
        # A staff member who became a client keeps no API access through old keys.
        raise ApiKeyRejected("API keys work only for staff accounts.")
    now = timezone.now()
    resolution = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION)
    if key.last_used_at is None or now - key.last_used_at >= resolution:
        # A conditional update: many requests at once write the time once.
        ApiKey.objects.filter(pk=key.pk).exclude(last_used_at__gt=now - resolution).update(
            last_used_at=now
        )
    return key
