"""The calendar (FullCalendar over a JSON feed of this page), dragging to reschedule, and the
plain list of sessions that works without JavaScript.

FullCalendar runs in UTC mode and is given the business's local wall-clock times, so
the calendar shows the gym's times whatever the time zone of the browser; times it
sends back are local wall-clock times too, turned into UTC here.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_POST

from fitnesscrm.core.errors import ApplicationError, api_error_response
from fitnesscrm.core.permissions import role_required
from fitnesscrm.scheduling import selectors, services
from fitnesscrm.scheduling.forms import PER_PAGE, SessionFilterForm
from fitnesscrm.scheduling.models import SessionStatus
from fitnesscrm.scheduling.views._common import (
    STAFF,
    local,
    local_start,
    require_manager_of,
    session_or_404,
)
from fitnesscrm.trainers import selectors as trainer_selectors

# FullCalendar puts its stylesheet in a <style> element it creates; it takes the nonce
# from <meta name="csp-nonce">. Only this page allows that, and only with the nonce. That
# stylesheet carries FullCalendar's small icon font as a data: URL (its class name, fc-icon,
# is also the one of the site's own SVG icons, so the font is asked for on every page load).
CALENDAR_CSP = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.NONCE],
    "font-src": [*settings.SECURE_CSP.get("font-src", [CSP.SELF]), "data:"],
}
LIST_DAYS = 7


def _filters(request: HttpRequest) -> SessionFilterForm:
    return SessionFilterForm(
        request.GET,
        trainers=trainer_selectors.trainer_choices(request.user),
        rooms=selectors.room_list(),
        locations=selectors.location_list(),
    )


def _filter_args(form: SessionFilterForm) -> dict:
    return {
        "trainer_id": form.value("trainer"),
        "room_id": form.value("room"),
        "location_id": form.value("location"),
    }


@require_GET
@csp_override(CALENDAR_CSP)
@role_required(*STAFF)
def calendar(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    query = {
        name: value
        for name, value in (
            ("trainer", form.value("trainer")),
            ("room", form.value("room")),
            ("location", form.value("location")),
        )
        if value
    }
    view = request.GET.get("view", "")
    config = {
        "events": reverse("scheduling:events"),
        "filters": query,
        "view": view if view in ("timeGridDay", "timeGridWeek", "dayGridMonth", "listWeek") else "",
        "date": request.GET.get("date", "")[:10],
        "now": local(timezone.now()).replace(tzinfo=None, microsecond=0).isoformat(),
    }
    return render(
        request,
        "scheduling/calendar.html",
        {"form": form, "config": config, "list_query": request.GET.urlencode()},
    )


def _parse_moment(text: str | None) -> datetime | None:
    """A time FullCalendar sends ("2026-03-02T07:00:00Z" in UTC mode): local wall-clock time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def _aware(naive: datetime) -> datetime:
    return naive.replace(tzinfo=services.business_zone())


def event_of(session, user) -> dict:
    """One session as a FullCalendar event, in local wall-clock time."""
    colour = session.class_type.colour if session.class_type_id else session.trainer.colour
    cancelled = session.status == SessionStatus.CANCELLED
    classes = [f"fc-session-{session.status}"]
    editable = (
        session.status == SessionStatus.SCHEDULED
        and session.starts_at > timezone.now()
        and selectors.can_manage_session(user, session)
    )
    return {
        "id": str(session.pk),
        "title": session.title,
        "start": local(session.starts_at).replace(tzinfo=None).isoformat(),
        "end": local(session.ends_at).replace(tzinfo=None).isoformat(),
        "url": reverse("scheduling:session-detail", args=[session.pk]),
        "backgroundColor": colour,
        "borderColor": colour,
        "classNames": classes,
        "editable": editable,
        "extendedProps": {
            "trainer": session.trainer.name,
            "room": session.room.name if session.room_id else "",
            "seats": f"{session.booked_count}/{session.capacity}",
            "status": session.get_status_display() if cancelled else "",
            "move": reverse("scheduling:session-move", args=[session.pk]),
        },
    }


@require_GET
@role_required(*STAFF)
def events(request: HttpRequest) -> JsonResponse:
    """The sessions between `start` and `end` (local times), filtered like the calendar."""
    start = _parse_moment(request.GET.get("start"))
    end = _parse_moment(request.GET.get("end"))
    if start is None or end is None or end <= start:
        return api_error_response(
            400, "Give a start and an end, the end after the start.", "invalid_range"
        )
    if end - start > timedelta(days=selectors.MAX_RANGE_DAYS):
        return api_error_response(
            400, f"Ask for at most {selectors.MAX_RANGE_DAYS} days at once.", "range_too_long"
        )
    args = {f"{name}_id": _int(request.GET.get(name)) for name in ("trainer", "room", "location")}
    sessions = selectors.session_list(
        user=request.user, start=_aware(start), end=_aware(end), **args
    )
    return JsonResponse([event_of(s, request.user) for s in sessions], safe=False)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


@require_POST
@role_required(*STAFF)
def session_move(request: HttpRequest, session_id: int) -> JsonResponse:
    """Drag or resize in the calendar: this one session (of a series too) moves, or the
    refusal comes back for the page to show while the event goes back in place."""
    session = session_or_404(request, session_id)
    require_manager_of(request, session)
    start = _parse_moment(request.POST.get("start"))
    end = _parse_moment(request.POST.get("end"))
    if start is None or end is None:
        return api_error_response(400, "Give the new start and end.", "invalid")
    try:
        starts_at = local_start(start.date(), start.time())
        ends_at = local_start(end.date(), end.time())
        session = services.session_update(
            actor=request.user, session=session, starts_at=starts_at, ends_at=ends_at
        )
    except ApplicationError as exc:
        return api_error_response(exc.status, exc.message, exc.code, exc.errors)
    session = selectors.session_get(user=request.user, session_id=session.pk)
    when = local(session.starts_at)
    return JsonResponse(
        {
            "detail": f"“{session.title}” moved to {when:%a %d %b %H:%M}.",
            "event": event_of(session, request.user),
        }
    )


@require_GET
@role_required(*STAFF)
def session_list(request: HttpRequest) -> HttpResponse:
    """Sessions in a date range, in pages, with the calendar's filters: no JavaScript needed."""
    form = _filters(request)
    first = form.value("start") or timezone.localdate()
    last = form.value("end") or first + timedelta(days=LIST_DAYS - 1)
    if last < first:
        last = first
    clamped = (last - first).days + 1 > selectors.MAX_RANGE_DAYS
    if clamped:
        last = first + timedelta(days=selectors.MAX_RANGE_DAYS - 1)
    zone = services.business_zone()
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    sessions = selectors.session_list(
        user=request.user,
        start=start,
        end=end,
        include_cancelled=bool(form.value("cancelled")),
        **_filter_args(form),
    )
    page = Paginator(sessions, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "scheduling/session_list.html",
        {
            "form": form,
            "page": page,
            "first": first,
            "last": last,
            "clamped": clamped,
            "max_days": selectors.MAX_RANGE_DAYS,
            "query": params.urlencode(),
        },
    )
