"""The current request's id and client address, readable from services and logs."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str = "-"
    ip: str | None = None
    user_agent: str = ""


_NO_REQUEST = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("request_context", default=_NO_REQUEST)


def current() -> RequestContext:
    return _current.get()


def bind(ctx: RequestContext):
    """Make `ctx` current; returns the token that `reset` takes."""
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)
