"""Error reports to Sentry (or any server speaking its protocol), without personal data.

Enabled by SENTRY_DSN. A report keeps what finds the bug (the exception's type, the
stack of file names, functions and line numbers, the URL pattern, the request id,
the release and environment) and drops what could name a client or their health:

- no local variables, request bodies, cookies, query strings or user details (the
  user's id only); no headers but a short safe list;
- exception messages are replaced by their type: a database error quotes the row it
  refused ("Key (email)=(ann@example.com) already exists"), and an error anywhere may
  quote a name;
- log messages kept as breadcrumbs lose their text for the same reason.
"""

import logging
from importlib.metadata import PackageNotFoundError, version

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from fitnesscrm.core import context

SAFE_HEADERS = frozenset({"host", "user-agent", "x-request-id", "content-type", "accept"})
REDACTED = "[removed: may hold personal data]"


def release() -> str:
    try:
        return f"fitnesscrm@{version('fitnesscrm')}"
    except PackageNotFoundError:
        return "fitnesscrm@unknown"


def _scrub_request(request: dict) -> dict:
    headers = {
        name: value
        for name, value in (request.get("headers") or {}).items()
        if name.lower() in SAFE_HEADERS
    }
    url = (request.get("url") or "").split("?", 1)[0]
    return {"method": request.get("method"), "url": url, "headers": headers}


def _scrub_exception(exception: dict) -> None:
    for value in exception.get("values") or []:
        if value.get("value"):
            value["value"] = REDACTED
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)


def scrub(event: dict, hint: dict | None = None) -> dict:
    """The event with nothing that could identify a client or reveal their health."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") else {}
    for key in ("extra", "server_name"):
        event.pop(key, None)
    if "exception" in event:
        _scrub_exception(event["exception"])
    if event.get("logentry"):
        event["logentry"] = {"message": REDACTED}
    if event.get("message"):
        event["message"] = REDACTED
    breadcrumbs = event.get("breadcrumbs") or {}
    for crumb in breadcrumbs.get("values") or []:
        if crumb.get("message"):
            crumb["message"] = REDACTED
        crumb.pop("data", None)
    request_id = context.current().request_id
    if request_id and request_id != "-":
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def configure_sentry(
    *, dsn: str, environment: str, traces_sample_rate: float = 0.0, release_name: str = ""
) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release_name or release(),
        # Collected by the SDK at all: no user details, request bodies, database query
        # values or frame variables; scrub() then removes what remains risky.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub,
        before_send_transaction=scrub,
        # Only the integrations named here, not every library sentry_sdk can find.
        auto_enabling_integrations=False,
        integrations=[
            DjangoIntegration(),
            # Errors logged with logger.exception become reports; INFO lines become
            # breadcrumbs (their text is removed by scrub).
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
    )
