"""Rate limits kept in Django's cache, so they hold across processes (Redis in production).

A fixed-window counter: the first request of a window creates its counter with
`cache.add` (which never overwrites), every request then adds one with `cache.incr`
(atomic in Redis; under a lock in the local-memory cache of the demo). When the count
passes the limit the caller is refused until the window ends, and the answer says when
(`Retry-After`). django-ratelimit 4 was not used: it answers a refusal with an
exception that carries no window end, so no `Retry-After` can be given.

A limit is written "<count>/<period>": 5/hour, 600/minute, 30/m, 100/10s. The counters
live under "ratelimit:<name>:<hash of who>:<window>"; the hash keeps email addresses out
of the cache. If the cache cannot be reached the request is let through and the failure
logged: an outage of Redis must not lock every user out.
"""

import functools
import hashlib
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.middleware import client_ip

logger = logging.getLogger(__name__)

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*")


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'5/hour' → Rate(5, 3600); a ValueError that names the problem otherwise."""
        match = _RATE.fullmatch((text or "").lower())
        if not match or match.group(3) not in _UNITS:
            raise ValueError(
                f"{text!r} is not a rate: write <count>/<period>, e.g. 5/hour or 600/minute."
            )
        limit = int(match.group(1))
        period = int(match.group(2) or 1) * _UNITS[match.group(3)]
        if limit < 1 or period < 1:
            raise ValueError(f"{text!r} is not a rate: the count and period must be above 0.")
        return cls(limit, period)

    def __str__(self) -> str:
        return f"{self.limit} per {_period_text(self.period)}"


def _period_text(seconds: int) -> str:
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return name if count == 1 else f"{count} {name}s"
    return f"{seconds} seconds"


def wait_text(seconds: int) -> str:
    """'45 seconds', '3 minutes', '2 hours': how long to wait, rounded up."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


class RateLimited(ApplicationError):
    """Too many requests; `retry_after` is the number of seconds until the next is allowed."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


def enabled() -> bool:
    return getattr(settings, "RATE_LIMITS_ENABLED", True)


def counter_key(name: str, who: str, window: int) -> str:
    digest = hashlib.sha256(who.encode("utf-8")).hexdigest()[:32]
    return f"ratelimit:{name}:{digest}:{window}"


def hit(name: str, who: str, rate: Rate | str, *, now: float | None = None) -> Outcome:
    """Count one request of `who` against limit `name`; whether it is within `rate`."""
    rate = rate if isinstance(rate, Rate) else Rate.parse(rate)
    now = time.time() if now is None else now
    window = int(now // rate.period)
    retry_after = max(1, math.ceil((window + 1) * rate.period - now))
    if not enabled():
        return Outcome(True, 0, rate.limit, retry_after)
    cache = caches[getattr(settings, "RATE_LIMIT_CACHE", "default")]
    key = counter_key(name, who, window)
    try:
        # The counter outlives its window by a little, never by a whole window.
        cache.add(key, 0, timeout=retry_after + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=retry_after + 1)
            count = 1
    except Exception:
        logger.exception("Rate limit %s not checked: the cache is not answering", name)
        return Outcome(True, 0, rate.limit, retry_after)
    return Outcome(count <= rate.limit, count, rate.limit, retry_after)


def check(name: str, who: str, rate: Rate | str, message: str) -> None:
    """`hit`, raising RateLimited with `message` (may hold {wait}) when over the limit."""
    outcome = hit(name, who, rate)
    if not outcome.allowed:
        raise RateLimited(
            message.format(wait=wait_text(outcome.retry_after)), retry_after=outcome.retry_after
        )


def rate_setting(setting: str) -> Rate:
    return Rate.parse(getattr(settings, setting))


# --- Who is counted ------------------------------------------------------------------------


def by_ip(request: HttpRequest) -> str | None:
    return client_ip(request) or "unknown"


def by_account(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return f"user:{user.pk}"


def by_post_field(field: str) -> Callable[[HttpRequest], str | None]:
    def who(request: HttpRequest) -> str | None:
        value = (request.POST.get(field) or "").strip().lower()
        return value[:254] or None

    return who


@dataclass(frozen=True)
class Rule:
    """Count requests per `who(request)` against the rate in the setting `setting`."""

    setting: str
    who: Callable[[HttpRequest], str | None]
    message: str


def apply_rules(name: str, rules: tuple[Rule, ...], request: HttpRequest) -> None:
    """Count the request under every rule; RateLimited for the first one it exceeds."""
    refusal = None
    for rule in rules:
        who = rule.who(request)
        if who is None:
            continue
        outcome = hit(f"{name}:{rule.setting.lower()}", who, rate_setting(rule.setting))
        if not outcome.allowed and refusal is None:
            refusal = RateLimited(
                rule.message.format(wait=wait_text(outcome.retry_after)),
                retry_after=outcome.retry_after,
            )
    if refusal is not None:
        raise refusal


def too_many_requests_page(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = render(
        request,
        "429.html",
        {"message": exc.message, "retry_after": exc.retry_after},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def limit_page(name: str, *rules: Rule, methods: tuple[str, ...] = ("POST",)):
    """Decorate a page view: over a limit, the 429 page with `Retry-After` instead.

    Only `methods` are counted: showing a form is free, sending it is not.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method in methods:
                try:
                    apply_rules(name, rules, request)
                except RateLimited as exc:
                    return too_many_requests_page(request, exc)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def limit_api(name: str, *rules: Rule):
    """Decorate an API operation (below the router's decorator): over a limit, RateLimited,
    which the API answers with 429, the JSON error and `Retry-After`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            apply_rules(name, rules, request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- The limits the app applies -----------------------------------------------------------

BOOKING_RULES = (
    Rule(
        "RATE_LIMIT_BOOKING_ACCOUNT",
        by_account,
        "Too many bookings from your account in a short time. Wait {wait} and try again.",
    ),
    Rule(
        "RATE_LIMIT_BOOKING_IP",
        by_ip,
        "Too many bookings from your network in a short time. Wait {wait} and try again.",
    ),
)

PASSWORD_RESET_RULES = (
    Rule(
        "RATE_LIMIT_PASSWORD_RESET_IP",
        by_ip,
        "Too many password reset requests from your network. Wait {wait} and try again.",
    ),
    Rule(
        "RATE_LIMIT_PASSWORD_RESET_EMAIL",
        by_post_field("email"),
        "Too many password reset requests for this email address. "
        "Check your inbox (and spam folder) for the emails already sent, "
        "or wait {wait} and try again.",
    ),
)

limit_booking_page = limit_page("booking", *BOOKING_RULES)
limit_booking_api = limit_api("booking", *BOOKING_RULES)
limit_password_reset = limit_page("password-reset", *PASSWORD_RESET_RULES)
