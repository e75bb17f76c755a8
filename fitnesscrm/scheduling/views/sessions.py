"""A session's pages: create (one or a weekly series), the detail with its attendees and
waitlist, edit or reschedule (for a series: this, this and the following, or all), cancel.

A form with an error is shown again with everything typed kept and the message at the
field; a conflict names the session it collides with.
"""

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fitnesscrm.clients import selectors as client_selectors
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.pages import refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.scheduling import selectors, services
from fitnesscrm.scheduling.forms import (
    BookClientForm,
    CancelSessionForm,
    SessionForm,
    apply_errors,
)
from fitnesscrm.scheduling.models import (
    BookingStatus,
    Kind,
    SchedulingSettings,
    SessionStatus,
)
from fitnesscrm.scheduling.services import THIS, SeriesPlan
from fitnesscrm.scheduling.services.bookings import CHECK_IN_OPENS
from fitnesscrm.scheduling.views._common import (
    STAFF,
    is_fragment,
    local,
    local_start,
    require_manager_of,
    session_or_404,
)
from fitnesscrm.trainers import selectors as trainer_selectors

PICKER_SIZE = 20


def detail_url(session) -> str:
    return reverse("scheduling:session-detail", args=[session.pk])


def _sources(user) -> dict:
    """What the session form offers: trainers the user may schedule for, rooms, class types."""
    trainers = [
        t for t in trainer_selectors.trainer_choices(user) if selectors.can_schedule_for(user, t)
    ]
    return {
        "trainers": trainers,
        "rooms": selectors.room_list(),
        "locations": selectors.location_list(),
        "class_types": selectors.class_type_list(),
    }


def _render_form(request, form, *, session=None, status=200) -> HttpResponse:
    return render(
        request,
        "scheduling/session_form.html",
        {"form": form, "session": session, "presets": form.class_type_presets},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def session_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    posted = request.method == "POST"
    initial = {
        "kind": Kind.CLASS,
        "date": request.GET.get("date") or None,
        "start_time": request.GET.get("time") or None,
    }
    form = SessionForm(request.POST if posted else None, initial=initial, **_sources(user))
    if posted and form.is_valid():
        found = form.objects()
        if not form.errors:
            try:
                target, note = _create(user, form.cleaned_data, found)
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                messages.success(request, note)
                return redirect(detail_url(target))
    return _render_form(request, form, status=400 if form.errors else 200)


def _create(user, data: dict, found: dict):
    class_type = found["class_type"]
    common = {
        "actor": user,
        "trainer": found["trainer"],
        "kind": data["kind"],
        "title": data["title"],
        "class_type": class_type,
        "room": found["room"],
        "location": found["location"],
        "capacity": data["capacity"],
        "video_url": data["video_url"],
        "description": data["description"],
    }
    if data.get("repeat"):
        minutes = data["duration_minutes"] or (class_type.duration_minutes if class_type else 60)
        plan = SeriesPlan(
            first_day=data["date"],
            start_time=data["start_time"],
            duration_minutes=minutes,
            weekdays=tuple(data["weekdays"]),
            until=data["until"],
            count=data["count"],
        )
        series = services.series_create(plan=plan, **common)
        sessions = list(series.sessions.order_by("starts_at")[:1])
        total = series.sessions.count()
        return sessions[0], f"Weekly series created: {total} sessions."
    starts_at = local_start(data["date"], data["start_time"])
    minutes = data["duration_minutes"]
    session = services.session_create(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes) if minutes else None,
        **common,
    )
    return session, f"“{session.title}” scheduled for {local(session.starts_at):%a %d %b %H:%M}."


@require_GET
@role_required(*STAFF)
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    return render_detail(request, session)


def render_detail(request, session, *, book_form=None, status=200) -> HttpResponse:
    user = request.user
    can_manage = selectors.can_manage_session(user, session)
    bookings = list(selectors.session_bookings(user=user, session=session))
    seats = [b for b in bookings if b.holds_seat]
    waitlist = [b for b in bookings if b.status == BookingStatus.WAITLISTED]
    gone = [b for b in bookings if not b.is_live]
    now = timezone.now()
    open_for_booking = session.status == SessionStatus.SCHEDULED and session.starts_at > now
    q = request.GET.get("q", "").strip()[:100]
    picker = []
    if can_manage and open_for_booking:
        picker = list(client_selectors.client_list(user=user, q=q)[:PICKER_SIZE])
    policy = SchedulingSettings.load()
    context = {
        "session": session,
        "can_manage": can_manage,
        "seats": seats,
        "waitlist": waitlist,
        "gone": gone,
        "open_for_booking": open_for_booking,
        "check_in_open": session.status != SessionStatus.CANCELLED
        and now >= session.starts_at - CHECK_IN_OPENS,
        "started": now >= session.starts_at,
        "late_now": services.is_late(session),
        "policy": policy,
        "q": q,
        "book_form": book_form or BookClientForm(clients=picker),
        "picker_size": PICKER_SIZE,
    }
    template = "scheduling/session_detail.html"
    if is_fragment(request) and request.GET.get("picker"):
        template += "#picker"
    return render(request, template, context, status=status)


def _initial_of(session) -> dict:
    start = local(session.starts_at)
    return {
        "title": session.title,
        "trainer": session.trainer_id,
        "room": session.room_id,
        "location": session.location_id,
        "class_type": session.class_type_id,
        "video_url": session.video_url,
        "date": start.date(),
        "start_time": start.time().replace(second=0, microsecond=0),
        "duration_minutes": int(session.duration.total_seconds() // 60),
        "capacity": session.capacity,
        "description": session.description,
        "scope": THIS,
    }


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    require_manager_of(request, session)
    user = request.user
    sources = _sources(user)
    if session.trainer not in sources["trainers"]:
        # The current trainer stays choosable even when no longer in the usual list.
        sources["trainers"].append(session.trainer)
    posted = request.method == "POST"
    form = SessionForm(
        request.POST if posted else None,
        initial=_initial_of(session),
        editing=True,
        in_series=bool(session.series_id),
        **sources,
    )
    if posted and form.is_valid():
        found = form.objects()
        if not form.errors:
            try:
                note = _update(user, session, form, found)
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                if note:
                    messages.success(request, note)
                return redirect(detail_url(session))
    return _render_form(request, form, session=session, status=400 if form.errors else 200)


def _update(user, session, form: SessionForm, found: dict) -> str:
    data = form.cleaned_data
    changes = {}
    for name in ("title", "description", "video_url"):
        if data[name] != getattr(session, name):
            changes[name] = data[name]
    if data["capacity"] is not None and data["capacity"] != session.capacity:
        changes["capacity"] = data["capacity"]
    for name in ("trainer", "room", "location", "class_type"):
        if getattr(found[name], "pk", None) != getattr(session, f"{name}_id"):
            changes[name] = found[name]
    minutes = data["duration_minutes"] or int(session.duration.total_seconds() // 60)
    start = local(session.starts_at)
    scope = data.get("scope") or THIS
    if scope == THIS or not session.series_id:
        starts_at = local_start(data["date"], data["start_time"])
        if starts_at != session.starts_at:
            changes["starts_at"] = starts_at
        if starts_at + timedelta(minutes=minutes) != session.ends_at:
            changes["ends_at"] = starts_at + timedelta(minutes=minutes)
        if not changes:
            return "Nothing to change."
        services.session_update(actor=user, session=session, **changes)
        return "Changes saved."
    if data["date"] != start.date():
        raise ApplicationError(
            "Only one session can move to another day: choose “This session only”.",
            errors=[{"field": "date", "message": "Choose “This session only” to change the day."}],
        )
    start_time = data["start_time"] if data["start_time"] != start.time() else None
    length = minutes if minutes * 60 != session.duration.total_seconds() else None
    changed = services.series_update(
        actor=user,
        session=session,
        scope=scope,
        start_time=start_time,
        duration_minutes=length,
        **changes,
    )
    return f"Changes saved to {len(changed)} sessions." if changed else "Nothing to change."


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    require_manager_of(request, session)
    posted = request.method == "POST"
    form = CancelSessionForm(request.POST if posted else None, in_series=bool(session.series_id))
    if posted and form.is_valid():
        scope = form.cleaned_data.get("scope") or THIS
        reason = form.cleaned_data["reason"]
        try:
            if scope == THIS:
                cancelled = [
                    services.session_cancel(actor=request.user, session=session, reason=reason)
                ]
            else:
                cancelled = services.series_cancel(
                    actor=request.user, session=session, scope=scope, reason=reason
                )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            if len(cancelled) == 1:
                messages.success(request, "Session cancelled; booked clients are told.")
            else:
                messages.success(
                    request, f"{len(cancelled)} sessions cancelled; booked clients are told."
                )
            return redirect(detail_url(session))
    return render(
        request,
        "scheduling/session_cancel.html",
        {"session": session, "form": form},
        status=400 if form.errors else 200,
    )
