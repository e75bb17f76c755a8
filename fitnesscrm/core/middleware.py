"""Request id and client address for every request; one JSON error shape under /api/;
no control characters in query strings."""

import ipaddress
import json
import re
import uuid

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

from fitnesscrm.core import context
from fitnesscrm.core.errors import api_error_response, is_api_request
from fitnesscrm.core.text import text_problem

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _ip_or_none(value: str) -> str | None:
    """`value` as a normalised IP address, or None; an IPv6 zone ("%eth0") is dropped."""
    try:
        return str(ipaddress.ip_address(value.strip().partition("%")[0]))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind our proxy, the one nginx put last in X-Forwarded-For.

    Anything that is not an address (a client reaching the app past the proxy can
    send any header) is ignored: it would fail to save in PostgreSQL's inet column.
    """
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = _ip_or_none(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1])
        if forwarded:
            return forwarded
    return _ip_or_none(request.META.get("REMOTE_ADDR") or "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        # fullmatch: with match, "$" would also accept a trailing newline, which then
        # fails as a response header.
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(
            context.RequestContext(
                request_id=request_id,
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


_DEFAULT_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
_DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    404: "No API endpoint or object at this address.",
    405: "This method is not allowed here.",
    413: "The request body is larger than the 10 MB limit.",
    500: "Something went wrong on our side; the error has been logged.",
}


class ApiErrorMiddleware:
    """Under /api/, a body over the limit gets 413 and any non-JSON failure becomes JSON.

    Django answers some API failures before our API code runs (an unknown path,
    a wrong method, a body too large, a server error); this turns each into the
    one error shape that API clients rely on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_request(request):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return api_error_response(413, _DEFAULT_DETAILS[413], "payload_too_large")
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            status = response.status_code
            headers = {}
            if status == 405 and response.has_header("Allow"):
                headers["Allow"] = response["Allow"]
            detail = _DEFAULT_DETAILS.get(status) or _text_detail(response) or "Request failed."
            return api_error_response(
                status, detail, _DEFAULT_CODES.get(status, "error"), headers=headers
            )
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _text_detail(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    try:
        text = response.content.decode("utf-8", "replace").strip()
    except Exception:
        return ""
    if not text or "<" in text or len(text) > 200:
        return ""
    try:
        return str(json.loads(text))
    except ValueError:
        return text


class QueryTextMiddleware:
    """A query string holding a control character (NUL, escape, …) is refused with 400.

    Views read their filters straight from the query string; a NUL in one would reach
    PostgreSQL, which cannot compare text with it (a server error). Forms and API
    bodies have their own checks (core/text.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            for text in (key, *values):
                problem = text_problem(text, single_line=False)
                if problem:
                    message = f"The address of this request is not valid. {problem}"
                    if is_api_request(request):
                        return api_error_response(400, message, "bad_query")
                    raise BadRequest(message)
        return self.get_response(request)
