"""API authentication: a personal API key as a bearer token, or the browser session with CSRF.

A key carries scopes: read or write, per area of the API ("clients:read",
"billing:write"). Each operation belongs to the area of the app whose router defines
it, and needs read for GET/HEAD/OPTIONS and write for anything else; write includes
read. Scopes only narrow what a key can do: the user's role is checked as well, by the
same selectors and services as for a session. A signed-in session has no scopes: it is
the user at the keyboard, with everything their role allows.
"""

import functools
import inspect

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from fitnesscrm.core import ratelimit
from fitnesscrm.core.errors import Forbidden

# The areas of the API, one per router mounted in fitnesscrm/api.py.
API_AREAS = {
    "account": "Your account and your API keys",
    "clients": "Clients, leads, notes and tasks",
    "trainers": "Trainer profiles",
    "scheduling": "Sessions, bookings, locations and rooms",
    "billing": "Plans, memberships, invoices and payments",
    "training": "Exercises, programs and workouts",
    "progress": "Measurements, goals and photos",
    "privacy": "Personal data: exports, erasure and data-subject requests",
}
AREA_OF_PACKAGE = {
    "fitnesscrm.accounts": "account",
    "fitnesscrm.clients": "clients",
    "fitnesscrm.trainers": "trainers",
    "fitnesscrm.scheduling": "scheduling",
    "fitnesscrm.billing": "billing",
    "fitnesscrm.training": "training",
    "fitnesscrm.progress": "progress",
    "fitnesscrm.privacy": "privacy",
}
LEVELS = ("read", "write")
ALL_SCOPES = tuple(f"{area}:{level}" for area in API_AREAS for level in LEVELS)
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def area_of(view_func) -> str | None:
    """The area of an API operation: the app its function is defined in."""
    module = inspect.unwrap(view_func).__module__
    for package, area in AREA_OF_PACKAGE.items():
        if module == package or module.startswith(package + "."):
            return area
    return None


def scope_needed(area: str, method: str) -> str:
    return f"{area}:{'read' if method.upper() in READ_METHODS else 'write'}"


def scopes_allow(scopes, needed: str) -> bool:
    area, _, level = needed.partition(":")
    return needed in scopes or (level == "read" and f"{area}:write" in scopes)


def clean_scopes(scopes) -> list[str]:
    """The scopes in their canonical order; ValueError naming any unknown one."""
    given = {str(scope).strip().lower() for scope in scopes}
    unknown = sorted(given - set(ALL_SCOPES))
    if unknown:
        raise ValueError(
            f"Unknown scope{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"Scopes are <area>:read or <area>:write, the areas being {', '.join(API_AREAS)}."
        )
    return [scope for scope in ALL_SCOPES if scope in given]


def mark_api_area(run):
    """An API-wide view decorator: tells the authentication which area a request is for.

    Applied when the API is built; an operation outside every area stops start-up.
    """
    operation = getattr(run, "__self__", None)
    area = area_of(operation.view_func) if operation is not None else None
    if area is None:
        raise ImproperlyConfigured(
            f"API operation {getattr(operation, 'view_func', run)!r} belongs to no area: "
            "add its package to AREA_OF_PACKAGE in fitnesscrm/core/api_auth.py."
        )

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        request.api_area = area
        return run(request, *args, **kwargs)

    return wrapper


class InsufficientScope(Forbidden):
    code = "insufficient_scope"

    def __init__(self, needed: str):
        super().__init__(
            f"This API key does not have the scope {needed} needed here. "
            f"Create a key with {needed} on the API keys page."
        )
        self.needed = needed
        self.headers = {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'}


def _limit_account(request: HttpRequest, name: str, who: str, what: str) -> None:
    rate = ratelimit.rate_setting("RATE_LIMIT_API_KEY")
    ratelimit.check(
        name, who, rate, f"Too many requests with this {what} (limit: {rate}). Wait {{wait}}."
    )


def limit_anonymous(request: HttpRequest) -> None:
    """Count a request without valid credentials against its address; RateLimited if over."""
    rate = ratelimit.rate_setting("RATE_LIMIT_API_ANONYMOUS_IP")
    ratelimit.check(
        "api-anonymous",
        ratelimit.by_ip(request),
        rate,
        f"Too many requests without valid credentials from your address (limit: {rate}). "
        "Wait {wait}.",
    )


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer fcrm_…`; a bad key is refused with the reason, not ignored."""

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization", "")
        if header and not header.lower().startswith("bearer "):
            raise AuthenticationError(
                401, "Unsupported Authorization scheme: use 'Bearer <api key>'."
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        from fitnesscrm.accounts.services import ApiKeyRejected, api_key_check

        try:
            key = api_key_check(token.strip())
        except ApiKeyRejected as exc:
            raise AuthenticationError(401, str(exc)) from exc
        request.user = key.user
        request.auth_method = "api_key"
        request.api_key = key
        _limit_account(request, "api-key", str(key.pk), "API key")
        area = getattr(request, "api_area", None)
        if area is None:  # not an operation of our API: refuse rather than guess
            raise Forbidden("API keys cannot be used here.", code="insufficient_scope")
        needed = scope_needed(area, request.method)
        if not scopes_allow(key.scopes or (), needed):
            raise InsufficientScope(needed)
        return key.user


class ActiveSessionAuth(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token."""

    def __call__(self, request: HttpRequest):
        # The CSRF check protects a signed-in session; without one there is nothing
        # to forge, and the caller must hear 401 (authenticate), not 403 (CSRF).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            request.auth_method = "session"
            _limit_account(request, "api-user", str(user.pk), "account")
            return user
        return None
