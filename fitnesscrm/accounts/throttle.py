"""Failed sign-ins, counted per email typed and per client address, and the locks they cause.

An email is counted whether or not an account has it, so a lock tells nobody whether
the account exists. The counts live in the database (LoginThrottle), so every app
process sees the same lock; it ends by itself after LOGIN_LOCKOUT_SECONDS, or when an
owner unlocks the account. API keys are not affected: they never go through here.

The account's lock does not apply in a browser the account has signed in from before
(its signed cookie, see security_notices.py): someone trying passwords elsewhere cannot
lock the owner out of their own browser, which still counts, and is locked, by its
address like any other.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fitnesscrm.accounts.models import LoginThrottle, ThrottleScope, User, normalize_email
from fitnesscrm.core import context
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.roles import STAFF_ROLES, Role

LOCKED_MESSAGE = "Too many failed attempts; try again in {minutes} minute{plural}."


def locked_message(minutes: int) -> str:
    return LOCKED_MESSAGE.format(minutes=minutes, plural="" if minutes == 1 else "s")


def _keys(email: str, ip: str | None) -> list[tuple[str, str]]:
    keys = [(ThrottleScope.ACCOUNT, normalize_email(email)[:254])]
    if ip:
        keys.append((ThrottleScope.IP, ip))
    return keys


def login_lock_minutes(
    *, email: str, ip: str | None = None, known_browser: bool = False
) -> int | None:
    """Minutes (rounded up) before `email` may sign in from `ip` again; None if not locked.

    In a browser known to the account (`known_browser`) only the address's lock counts.
    """
    now = timezone.now()
    query = None
    for scope, key in _keys(email, ip):
        if known_browser and scope == ThrottleScope.ACCOUNT:
            continue
        clause = LoginThrottle.objects.filter(scope=scope, key=key, locked_until__gt=now)
        query = clause if query is None else query | clause
    until = max((row.locked_until for row in query), default=None)
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _limits(scope: str) -> tuple[int, timedelta]:
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    if scope == ThrottleScope.IP:
        return settings.LOGIN_IP_FAILURE_LIMIT, window
    return settings.LOGIN_ACCOUNT_FAILURE_LIMIT, window


@transaction.atomic
def login_failure_record(*, email: str, ip: str | None = None, reason: str = "password") -> None:
    """Count one failed sign-in for `email` and `ip`; lock whichever reaches its limit."""
    now = timezone.now()
    lockout = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    for scope, key in _keys(email, ip):
        LoginThrottle.objects.get_or_create(
            scope=scope, key=key, defaults={"window_started_at": now}
        )
        row = LoginThrottle.objects.select_for_update().get(scope=scope, key=key)
        if row.locked_until is not None and row.locked_until > now:
            continue  # already locked: a lock is never stretched by further tries
        limit, window = _limits(scope)
        if now - row.window_started_at >= window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + lockout
            _audit_lockout(scope, key, row.failures, row.locked_until, reason)
            row.failures, row.window_started_at = 0, now
        row.save(update_fields=["failures", "window_started_at", "locked_until"])


def _audit_lockout(scope: str, key: str, failures: int, until: datetime, reason: str) -> None:
    user = User.objects.filter(email=key).first() if scope == ThrottleScope.ACCOUNT else None
    audit_record(
        action="auth.lockout",
        target=user,
        object_type="accounts.user" if scope == ThrottleScope.ACCOUNT else "accounts.ip",
        object_label=key,
        changes={
            "scope": scope,
            "failures": failures,
            "locked_until": until.isoformat(),
            "last_failure": reason,
        },
    )


def login_success(*, email: str) -> None:
    """A sign-in that passed: the account's count starts again (the address's does not)."""
    LoginThrottle.objects.filter(scope=ThrottleScope.ACCOUNT, key=normalize_email(email)).delete()


def locked_emails(emails) -> set[str]:
    """Which of `emails` are locked now: one query, for a list of accounts."""
    rows = LoginThrottle.objects.filter(
        scope=ThrottleScope.ACCOUNT, key__in=list(emails), locked_until__gt=timezone.now()
    )
    return set(rows.values_list("key", flat=True))


@transaction.atomic
def login_unlock(*, actor, user_id: int) -> User:
    """An owner lifts the lock of a staff account before it ends by itself."""
    if getattr(actor, "role", None) != Role.OWNER:
        raise Forbidden("Only an owner can unlock an account.")
    user = User.objects.filter(pk=user_id, role__in=STAFF_ROLES).first()
    if user is None:
        raise NotFound("No such staff account.")
    deleted, _ = LoginThrottle.objects.filter(scope=ThrottleScope.ACCOUNT, key=user.email).delete()
    if deleted:
        audit_record(actor=actor, action="auth.unlock", target=user)
    return user


def current_ip() -> str | None:
    return context.current().ip
