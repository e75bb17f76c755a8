"""A user whom the 2FA policy covers, signed in without it, may only set it up or sign out."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

ENROL_KEY = "two_factor_enrol_required"
ALLOWED_URL_NAMES = ("accounts:two-factor-enrol", "accounts:logout")


class TwoFactorEnrolmentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # Only a session that has the flag is affected: reading it costs no query for
        # anyone else (the session is loaded for signing in anyway). Without a session
        # cookie there is nothing to read, and reading would add `Vary: Cookie` to answers
        # meant to be cached without one (calendar feeds).
        session = getattr(request, "session", None)
        has_cookie = settings.SESSION_COOKIE_NAME in request.COOKIES
        if session is not None and has_cookie and session.get(ENROL_KEY):
            allowed = {reverse(name) for name in ALLOWED_URL_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": "Set up two-factor authentication first.",
                            "code": "two_factor_required",
                            "errors": [],
                        },
                        status=403,
                    )
                return redirect("accounts:two-factor-enrol")
        return self.get_response(request)
