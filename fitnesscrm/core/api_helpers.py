"""What every area of the API shares: pages, text limits, times in UTC, and field errors.

Ids in a path that the caller may not see answer 404; so do ids in a body, with the
field named in `errors` (`missing`).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import StringConstraints

from fitnesscrm.core.errors import ApplicationError, NotFound

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
# Past any real list, and small enough for the database's 64-bit integers.
MAX_OFFSET = 1_000_000_000


def text(max_length: int, min_length: int = 0):
    """A string with the model's length limit; surrounding spaces do not count."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)
    ]


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1 to 100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


def page(queryset: QuerySet, params: PageParams, build: Callable[[list], list]) -> dict:
    """One page of `queryset`: a COUNT, one SELECT, and whatever `build` needs for the page."""
    rows = list(queryset[params.offset : params.offset + params.limit])
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": build(rows),
    }


def utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


def missing(field: str, message: str) -> NotFound:
    """An id in the body that does not exist, or that the caller may not see."""
    return NotFound(message, errors=[{"field": field, "location": "body", "message": message}])


def invalid(field: str, message: str, *, location: str = "body") -> ApplicationError:
    """A field the schema accepted but the request cannot use: 422 naming it."""
    return ApplicationError(
        message,
        code="invalid",
        errors=[{"field": field, "location": location, "message": message}],
    )


@contextmanager
def fields_renamed(names: dict[str, str]) -> Iterator[None]:
    """Errors of a service, with its field names turned into the names of the request body."""
    try:
        yield
    except ApplicationError as exc:
        for error in exc.errors:
            if error.get("field") in names:
                error["field"] = names[error["field"]]
        raise
