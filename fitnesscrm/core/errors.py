"""One application error type and one API error shape: {"detail", "code", "errors"}."""

from django.http import HttpRequest, JsonResponse


class ApplicationError(Exception):
    """A rule of the business said no; the message is safe to show to the user."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, errors: list | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors or []


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Forbidden(ApplicationError):
    status = 403
    code = "forbidden"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error_response(
    status: int,
    detail: str,
    code: str,
    errors: list | None = None,
    headers: dict | None = None,
) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code, "errors": errors or []}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
