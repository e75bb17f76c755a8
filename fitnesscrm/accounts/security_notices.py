"""Emails that tell people about their own account's security.

Sent for a sign-in from a browser the account has not been used from before, and
for every change to how the account signs in (password, two-factor authentication,
recovery codes, a recovery code used). Each says when, from which browser and
address, and how to react: change the password and end the other sessions.

A browser is "known" to an account when it carries the signed device cookie listing
that account (a browser used by several people lists up to MAX_ACCOUNTS of them).
The first sign-in of an account sends nothing: there is nothing to compare with. The
same cookie lets the owner of an account sign in while someone elsewhere has locked it
with wrong passwords (accounts/throttle.py).
"""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.accounts.models import User, normalize_email
from fitnesscrm.accounts.session_tracking import device_label
from fitnesscrm.core.middleware import client_ip

SALT = "fitnesscrm.accounts.known-browser"
MAX_ACCOUNTS = 10
COOKIE_AGE = 400 * 24 * 60 * 60  # the longest browsers keep a cookie
_REMEMBER = "_known_browser_accounts"

NOTICES = {
    "new_sign_in": (
        "New sign-in to your account",
        "Someone signed in to your account from a browser it had not been used from before.",
    ),
    "password_changed": (
        "Your password was changed",
        "The password of your account was changed.",
    ),
    "password_reset": (
        "Your password was reset",
        "The password of your account was reset with a link sent to this address.",
    ),
    "two_factor_on": (
        "Two-factor authentication is on",
        "Two-factor authentication was turned on for your account: signing in now also "
        "asks for a code from your authenticator app.",
    ),
    "two_factor_off": (
        "Two-factor authentication is off",
        "Two-factor authentication was turned off for your account: signing in now asks "
        "only for your password.",
    ),
    "recovery_codes_new": (
        "New recovery codes were made",
        "New recovery codes were made for your account; the earlier ones no longer work.",
    ),
    "recovery_code_used": (
        "A recovery code was used to sign in",
        "A recovery code was used instead of an authenticator code to sign in to your "
        "account. Each code works once.",
    ),
}


def _known_accounts(request: HttpRequest) -> list[int]:
    try:
        value = request.get_signed_cookie(
            settings.KNOWN_BROWSER_COOKIE_NAME, salt=SALT, max_age=COOKIE_AGE
        )
        accounts = [int(part) for part in value.split(".") if part]
    except (KeyError, signing.BadSignature, ValueError):
        return []
    return accounts


def browser_knows(request: HttpRequest | None, email: str) -> bool:
    """Has the account with this email signed in from this browser before?"""
    if request is None:
        return False
    known = _known_accounts(request)
    if not known:
        return False
    return User.objects.filter(pk__in=known, email=normalize_email(email)).exists()


def sign_in_check(request: HttpRequest | None, user: User) -> None:
    """On each sign-in, before it is audited: a notice if the browser is new to the account."""
    if request is None:
        return
    from fitnesscrm.core.models import AuditEntry

    known = _known_accounts(request)
    if user.pk not in known:
        signed_in_before = AuditEntry.objects.filter(actor=user, action="auth.login").exists()
        if signed_in_before:
            notify(request, user, "new_sign_in")
    setattr(request, _REMEMBER, [user.pk, *[pk for pk in known if pk != user.pk]][:MAX_ACCOUNTS])


def remember_browser(request: HttpRequest, response: HttpResponse) -> None:
    """From the session middleware: after a sign-in the browser gets (or renews) its cookie."""
    accounts = getattr(request, _REMEMBER, None)
    if accounts:
        response.set_signed_cookie(
            settings.KNOWN_BROWSER_COOKIE_NAME,
            ".".join(str(pk) for pk in accounts),
            salt=SALT,
            max_age=COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
            path="/",
        )


def _absolute(request: HttpRequest, path: str) -> str:
    try:
        return request.build_absolute_uri(path)
    except KeyError:  # a request made up in code (the test client's login) has no host
        return path


def notify(request: HttpRequest, user: User, notice: str, **details) -> None:
    """Email `user` a security notice, from the worker, once the change is committed."""
    if not user.email:
        return
    if notice not in NOTICES:
        raise ValueError(f"Unknown security notice {notice!r}.")
    facts = {
        "when": timezone.now().isoformat(),
        "device": device_label(request.headers.get("User-Agent", "")),
        "ip": client_ip(request) or "unknown",
        "sessions_url": _absolute(request, reverse("accounts:sessions")),
        "password_url": _absolute(request, reverse("accounts:password-reset")),
        **details,
    }

    def enqueue() -> None:
        from fitnesscrm.accounts.tasks import send_security_notice

        send_security_notice.enqueue(user_id=user.pk, notice=notice, facts=facts)

    transaction.on_commit(enqueue)


def security_notice_send(*, user_id: int, notice: str, facts: dict) -> bool:
    """Render and send one notice (in the worker). False if the account has no email now."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    headline, explanation = NOTICES[notice]
    context = {
        **facts,
        "user": user,
        "site_name": settings.SITE_NAME,
        "headline": headline,
        "explanation": explanation,
        "when": timezone.localtime(datetime.fromisoformat(facts["when"])),
        "codes_left": facts.get("codes_left"),
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.SITE_NAME}: {headline}",
        body=render_to_string("accounts/email/security_notice.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/security_notice.html", context), "text/html"
    )
    message.send()
    return True
