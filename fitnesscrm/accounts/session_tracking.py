"""Signed-in sessions: timeouts, the list of a user's sessions, and ending them.

- At sign-in Django gives the session a new key (`login()` cycles it); a row of
  `UserSession` records it with the browser and address.
- `SessionActivityMiddleware` signs a session out after its idle timeout (shorter for
  staff than for clients) or its absolute lifetime (SESSION_COOKIE_AGE from sign-in),
  and keeps its last activity up to date (written at most once a minute).
- Ending a session deletes it from the session store, whichever engine holds it (the
  database, or Redis in front of the database), so its cookie no longer signs anyone in.
- A password change ends every other session of the user (the one that changed it
  gets a new key); a password reset and a deactivation end all of them.

Requests made with an API key carry no session and are untouched by all of this.
"""

import contextvars
import re
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.accounts.user_sessions import UserSession
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import NotFound, is_api_request
from fitnesscrm.core.middleware import client_ip
from fitnesscrm.core.roles import STAFF_ROLES

# Keys in the session's data: when it signed in and when it was last used (Unix time).
SIGNED_IN_AT = "_fc_signed_in_at"
SEEN_AT = "_fc_seen_at"
# Last activity is written (session and row) at most this often.
TOUCH_SECONDS = 60
EXPIRED_MESSAGE = "Your session expired. Sign in again to continue."

# The session key of the request being served, so that a password change made in it
# can keep it while it ends the user's other sessions.
_current_key: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_session_key", default=None
)


def idle_timeout(user) -> int:
    """Seconds without a request after which the user's session ends."""
    if getattr(user, "role", None) in STAFF_ROLES:
        return settings.SESSION_IDLE_TIMEOUT_STAFF
    return settings.SESSION_IDLE_TIMEOUT_CLIENT


def absolute_timeout() -> int:
    """Seconds after sign-in at which a session ends, however active it is."""
    return settings.SESSION_COOKIE_AGE


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


# --- Reads ---------------------------------------------------------------------------------


def user_session_list(*, user: User) -> list[UserSession]:
    """The user's sessions that can still be used, most recently active first.

    A row counts only while its session is in the store and within both timeouts: a
    session that timed out is no longer listed, even before anyone used it again.
    """
    now = timezone.now()
    rows = list(
        UserSession.objects.filter(
            user=user,
            last_activity_at__gte=now - timedelta(seconds=idle_timeout(user)),
            signed_in_at__gte=now - timedelta(seconds=absolute_timeout()),
        ).order_by("-last_activity_at", "-pk")
    )
    # Both session engines keep each session as a row of django_session.
    alive = set(
        Session.objects.filter(
            session_key__in=[row.session_key for row in rows], expire_date__gt=now
        ).values_list("session_key", flat=True)
    )
    return [row for row in rows if row.session_key in alive]


_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("ChromeOS", r"CrOS"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


def device_label(user_agent: str) -> str:
    """ "Firefox on Windows", from a User-Agent header; "Unknown device" if it says nothing."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or ("Other client" if user_agent.strip() else "Unknown device")


# --- Writes ----------------------------------------------------------------------------------


def _end(rows: list[UserSession]) -> int:
    """Delete each session from the store (and its cache) and its row."""
    for row in rows:
        _store(row.session_key).delete(row.session_key)
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


@transaction.atomic
def session_end(*, actor: User, session_id: int) -> UserSession:
    """End one of the actor's own sessions; anyone else's is not found."""
    row = UserSession.objects.filter(pk=session_id, user=actor).first()
    if row is None:
        raise NotFound("No such session.")
    _end([row])
    audit_record(
        actor=actor,
        action="auth.session_end",
        target=actor,
        changes={"session": device_label(row.user_agent), "ip": row.ip},
    )
    return row


@transaction.atomic
def sessions_end_others(*, actor: User, keep_key: str | None) -> int:
    """End every session of the actor but the one with `keep_key`; returns how many."""
    rows = list(UserSession.objects.filter(user=actor).exclude(session_key=keep_key or ""))
    ended = _end(rows)
    if ended:
        audit_record(
            actor=actor, action="auth.sessions_end_others", target=actor, changes={"ended": ended}
        )
    return ended


def sessions_end_without_two_factor(*, roles, keep_key: str | None) -> int:
    """End the sessions of active users in `roles` who have no authenticator app yet,
    but the one with `keep_key`: a new 2FA policy covers them, and their next sign-in
    asks them to set one up. Returns how many sessions ended; each user's are audited."""
    rows = list(
        UserSession.objects.filter(user__is_active=True, user__role__in=roles)
        .exclude(user__totp_device__confirmed_at__isnull=False)
        .exclude(session_key=keep_key or "")
    )
    ended_by_user: dict[int, int] = {}
    for row in rows:
        ended_by_user[row.user_id] = ended_by_user.get(row.user_id, 0) + 1
    _end(rows)
    for user in User.objects.filter(pk__in=ended_by_user):
        audit_record(
            action="auth.sessions_ended",
            target=user,
            changes={"reason": "two_factor_required", "ended": ended_by_user[user.pk]},
        )
    return len(rows)


def _end_for_account_change(user: User, reason: str) -> None:
    """After a password change or reset, or a deactivation: the sessions that must end."""
    keep = _current_key.get() if reason == "password_changed" else None
    rows = list(UserSession.objects.filter(user=user).exclude(session_key=keep or ""))
    if _end(rows):
        audit_record(
            action="auth.sessions_ended",
            target=user,
            changes={"reason": reason, "ended": len(rows)},
        )


# --- Signals -------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="session_tracking_login")
def record_sign_in(sender, request, user, **kwargs):
    """A new row for the session; login() has just given it a new key."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        session.save()
    now = timezone.now()
    session[SIGNED_IN_AT] = session[SEEN_AT] = now.timestamp()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "signed_in_at": now,
            "last_activity_at": now,
            "ip": client_ip(request),
            "user_agent": request.headers.get("User-Agent", "")[:300],
        },
    )
    # Rows of sessions that timed out unused: their sessions are deleted with them.
    stale = UserSession.objects.filter(user=user).exclude(session_key=session.session_key)
    stale = stale.filter(last_activity_at__lt=now - timedelta(seconds=idle_timeout(user))) | (
        stale.filter(signed_in_at__lt=now - timedelta(seconds=absolute_timeout()))
    )
    _end(list(stale))


@receiver(user_logged_out, dispatch_uid="session_tracking_logout")
def forget_sign_out(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


@receiver(pre_save, sender=User, dispatch_uid="session_tracking_user_pre_save")
def _note_account_change(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._sessions_end_reason = None
    if raw or instance._state.adding or instance.pk is None:
        return
    # set_password() keeps the new password in `_password` until the user is saved.
    if getattr(instance, "_password", None) is not None:
        instance._sessions_end_reason = "password_changed"
    if not instance.is_active and (update_fields is None or "is_active" in update_fields):
        was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
        if was_active:
            instance._sessions_end_reason = "deactivated"


@receiver(post_save, sender=User, dispatch_uid="session_tracking_user_post_save")
def _end_after_account_change(sender, instance, created=False, **kwargs):
    reason = getattr(instance, "_sessions_end_reason", None)
    instance._sessions_end_reason = None
    if reason:
        _end_for_account_change(instance, reason)


# --- Middleware ----------------------------------------------------------------------------


def remember_browser(request: HttpRequest, response: HttpResponse) -> None:
    from fitnesscrm.accounts import security_notices

    security_notices.remember_browser(request, response)


def _signed_in_by_session(request: HttpRequest) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    if auth.SESSION_KEY not in request.session:
        return False
    return request.user.is_authenticated


class SessionActivityMiddleware:
    """Ends sessions past their timeouts and records each session's last activity.

    Placed after the authentication and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _signed_in_by_session(request):
            response = self.get_response(request)
            remember_browser(request, response)
            return response
        session = request.session
        now = timezone.now().timestamp()
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        seen_at = session.setdefault(SEEN_AT, now)
        if now - seen_at > idle_timeout(request.user) or now - signed_in_at > absolute_timeout():
            return self._expired(request)
        key = session.session_key
        if now - seen_at >= TOUCH_SECONDS:
            session[SEEN_AT] = now
            self._touch(request, key, signed_in_at, now)
        token = _current_key.set(key)
        try:
            response = self.get_response(request)
        finally:
            _current_key.reset(token)
        new_key = request.session.session_key
        if new_key != key and request.user.is_authenticated:
            # The key changed (a password change): the row follows the session.
            UserSession.objects.filter(session_key=key).delete()
            self._touch(request, new_key, signed_in_at, now)
        remember_browser(request, response)
        return response

    def _touch(self, request: HttpRequest, key: str, signed_in_at: float, now: float) -> None:
        when = datetime.fromtimestamp(now, tz=UTC)
        updated = UserSession.objects.filter(session_key=key).update(
            last_activity_at=when, ip=client_ip(request)
        )
        if not updated:
            UserSession.objects.get_or_create(
                session_key=key,
                defaults={
                    "user": request.user,
                    "signed_in_at": datetime.fromtimestamp(signed_in_at, tz=UTC),
                    "last_activity_at": when,
                    "ip": client_ip(request),
                    "user_agent": request.headers.get("User-Agent", "")[:300],
                },
            )

    def _expired(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        key = request.session.session_key
        request.session.flush()
        request.user = AnonymousUser()
        UserSession.objects.filter(session_key=key).delete()
        audit_record(action="auth.session_expired", target=user)
        if is_api_request(request):
            # The API answers as to anyone without a session: 401.
            return self.get_response(request)
        messages.info(request, EXPIRED_MESSAGE)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(
                request.headers.get("HX-Current-URL") or request.get_full_path()
            )["Location"]
            return response
        return redirect_to_login(request.get_full_path())
