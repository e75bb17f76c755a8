"""Authenticating again before acting on one's other sessions.

Ending another session is what someone who has taken over a signed-in browser would
do to lock its owner out, so it needs a password typed within the last
REAUTH_WINDOW_SECONDS: signing in counts, and so does the confirmation page. Wrong
passwords there count towards the sign-in lock like any other.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.accounts import security_notices, throttle
from fitnesscrm.accounts.models import UserSession
from fitnesscrm.accounts.session_tracking import SIGNED_IN_AT
from fitnesscrm.core.audit import audit_record

CONFIRMED_AT = "_fc_password_confirmed_at"


def recently_authenticated(request: HttpRequest) -> bool:
    session = request.session
    last = max(session.get(SIGNED_IN_AT, 0), session.get(CONFIRMED_AT, 0))
    return timezone.now().timestamp() - last < settings.REAUTH_WINDOW_SECONDS


def password_needed_to_end(request: HttpRequest, session_id: int) -> bool:
    """Ending this browser's own session is signing out; any other needs the password lately."""
    is_current = UserSession.objects.filter(
        pk=session_id, user=request.user, session_key=request.session.session_key
    ).exists()
    return not is_current and not recently_authenticated(request)


def confirm(request: HttpRequest, password: str) -> str | None:
    """Check the signed-in user's password again: None when right, else what to say.

    The sign-in lock applies (the account's not in a browser it knows), and a wrong
    password counts towards it.
    """
    user = request.user
    ip = throttle.current_ip()
    known = security_notices.browser_knows(request, user.email)
    minutes = throttle.login_lock_minutes(email=user.email, ip=ip, known_browser=known)
    if minutes is not None:
        return throttle.locked_message(minutes)
    if not user.check_password(password):
        throttle.login_failure_record(email=user.email, ip=ip, reason="reauth")
        return "That is not your password."
    request.session[CONFIRMED_AT] = timezone.now().timestamp()
    audit_record(actor=user, action="auth.reauth", target=user)
    return None


def ask_to_confirm(request: HttpRequest, next_url: str):
    messages.info(request, "Confirm your password to end other sessions.")
    query = urlencode({"next": next_url})
    return redirect(f"{reverse('accounts:confirm-password')}?{query}")


def reauth_required(view):
    """For POST views that act on other sessions: the password first, if not typed lately."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not recently_authenticated(request):
            return ask_to_confirm(request, reverse("accounts:sessions"))
        return view(request, *args, **kwargs)

    return wrapped
