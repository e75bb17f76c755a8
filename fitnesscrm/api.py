"""The public API under /api/v1: one NinjaAPI that mounts each app's router."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from fitnesscrm.core.api_auth import ActiveSessionAuth, ApiKeyAuth, limit_anonymous, mark_api_area
from fitnesscrm.core.api_parser import (
    MAX_JSON_DEPTH,
    CheckedJsonParser,
    JsonTooDeep,
    UnsafeJsonText,
)
from fitnesscrm.core.errors import ApplicationError, api_error_response
from fitnesscrm.core.openapi import add_error_responses
from fitnesscrm.core.ratelimit import RateLimited

logger = logging.getLogger(__name__)


class FitnessCrmApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        # The routers declare their success; every operation's error answers are added.
        return add_error_responses(super().get_openapi_schema(**kwargs))


api = FitnessCrmApi(
    title="FitnessCRM API",
    version="1",
    description=(
        "Authenticate with `Authorization: Bearer <api key>` (create keys on the API keys "
        "page) or with a signed-in browser session plus the `X-CSRFToken` header. Every "
        'error has the shape `{"detail": ..., "code": ..., "errors": [...]}`.'
    ),
    urls_namespace="api",
    auth=[ApiKeyAuth(), ActiveSessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=CheckedJsonParser(),
)


def _field_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's error list as `{"field", "location", "message", "type"}` items.

    Ninja's `loc` starts with where the value came from ("body", "path", "query"),
    then for a body the name of the view's argument ("payload"); neither is part
    of the field name a client sent.
    """
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else ""
        field = loc[1:]
        if location == "body" and field[:1] == ["payload"]:
            field = field[1:]
        out.append(
            {
                "field": ".".join(field),
                "location": location,
                "message": error.get("msg", "Invalid value."),
                "type": error.get("type", "invalid"),
            }
        )
    return out


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api_error_response(
        422, "Some fields are not valid.", "validation_error", _field_errors(exc.errors)
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc: AuthenticationError):
    try:
        # Requests without valid credentials are counted against their address.
        limit_anonymous(request)
    except RateLimited as limited:
        return api_error_response(429, limited.message, limited.code, headers=limited.headers)
    message = exc.message
    if message == "Unauthorized":
        message = "Authentication required: send 'Authorization: Bearer <api key>' or sign in."
    return api_error_response(
        401, message, "not_authenticated", headers={"WWW-Authenticate": "Bearer"}
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    status = exc.status_code
    cause = exc.__cause__
    if isinstance(cause, JsonTooDeep):
        return api_error_response(
            400, f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", "json_too_deep"
        )
    if isinstance(cause, UnsafeJsonText):
        error = {
            "field": cause.field,
            "location": "body",
            "message": cause.problem,
            "type": "unsafe_text",
        }
        return api_error_response(422, cause.problem, "validation_error", [error])
    if status == 400 and str(exc).startswith("Cannot parse request body"):
        return api_error_response(400, "The request body is not valid JSON.", "malformed_json")
    if status == 403 and "CSRF" in str(exc):
        return api_error_response(
            403, "CSRF check failed: send the X-CSRFToken header with a session.", "csrf_failed"
        )
    codes = {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        429: "rate_limited",
    }
    return api_error_response(status, str(exc), codes.get(status, "error"))


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    # A service that names the fields it refused (an invalid phone, a future date of
    # birth) answers like the schema does: 422 "validation_error", each field listed.
    if exc.status == 400 and exc.errors and exc.code == "invalid":
        errors = [
            {
                "field": error.get("field", ""),
                "location": error.get("location", "body"),
                "message": error.get("message", exc.message),
                "type": error.get("type", "invalid"),
            }
            for error in exc.errors
        ]
        return api_error_response(422, exc.message, "validation_error", errors)
    return api_error_response(
        exc.status, exc.message, exc.code, exc.errors, headers=getattr(exc, "headers", None)
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api_error_response(404, "Not found.", "not_found")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api_error_response(403, str(exc) or "You do not have permission for this.", "forbidden")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return api_error_response(
        413, "The request body is larger than the 10 MB limit.", "payload_too_large"
    )


@api.exception_handler(Exception)
def on_unexpected(request, exc: Exception):
    logger.exception("Unhandled error in API %s %s", request.method, request.path)
    return api_error_response(
        500, "Something went wrong on our side; the error has been logged.", "server_error"
    )


api.add_router("", "fitnesscrm.accounts.api.router")
api.add_router("", "fitnesscrm.clients.api.router")
api.add_router("", "fitnesscrm.trainers.api.router")
api.add_router("", "fitnesscrm.scheduling.api.router")
api.add_router("", "fitnesscrm.billing.api.router")
api.add_router("", "fitnesscrm.training.api.router")
api.add_router("", "fitnesscrm.progress.api.router")
api.add_router("", "fitnesscrm.privacy.api.router")
# Every operation belongs to an area, which an API key's scopes must cover.
api.add_decorator(mark_api_area, mode="view")
