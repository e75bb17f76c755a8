"""What the schedule pages share: the roles they admit, finding a record or a 404, local times."""

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone

from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.roles import MANAGEMENT_ROLES, STAFF_ROLES
from fitnesscrm.scheduling import recurrence, selectors
from fitnesscrm.scheduling.services import business_zone

STAFF = tuple(STAFF_ROLES)
MANAGEMENT = tuple(MANAGEMENT_ROLES)


def session_or_404(request: HttpRequest, session_id: int):
    try:
        return selectors.session_get(user=request.user, session_id=session_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def booking_or_404(request: HttpRequest, booking_id: int):
    try:
        return selectors.booking_get(user=request.user, booking_id=booking_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def require_manager_of(request: HttpRequest, session) -> None:
    """The edit and cancel pages: a session the user sees but may not change is a 403."""
    if not selectors.can_manage_session(request.user, session):
        raise PermissionDenied("Only this session's trainer or the front desk can change it.")


def local_start(day: date, at: time) -> datetime:
    """A local date and wall-clock time in UTC; refuses a time the clocks skip or repeat."""
    return recurrence.local_to_utc(datetime.combine(day, at), business_zone())


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, business_zone())


def is_fragment(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))
