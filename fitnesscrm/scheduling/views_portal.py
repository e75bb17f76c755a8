"""The client's schedule in the portal: the class timetable, my bookings, book my trainer.

Pages for the phone first. Every read goes through scheduling.selectors (a client
sees the classes and their own bookings, never who else booked) and every write
through scheduling.services, as on the staff pages and in the API.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.ratelimit import limit_booking_page
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling import availability, selectors, services
from fitnesscrm.scheduling.models import (
    BookingSource,
    BookingStatus,
    Kind,
    SchedulingSettings,
    SessionStatus,
)

UPCOMING_SHOWN = 50
PAST_SHOWN = 20
ACTIVE = (BookingStatus.BOOKED, BookingStatus.WAITLISTED)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %-d %b at %H:%M")


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


@dataclass
class Week:
    """The seven days shown (local dates), and where the arrows lead."""

    start: date
    previous: date | None
    next: date | None

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(7)]


def _week(raw: str | None, *, today: date, last_day: date) -> Week:
    """Seven days from ?week= (today when absent), kept between today and the horizon.

    The first page starts today rather than on a Monday, so that late in the week the
    page is not nearly empty.
    """
    asked = parse_date(raw) if raw else None
    start = min(max(asked or today, today), max(last_day, today))
    step = timedelta(days=7)
    return Week(
        start=start,
        previous=max(start - step, today) if start > today else None,
        next=start + step if start + step <= last_day else None,
    )


def _back(request: HttpRequest, default: str) -> str:
    """Where a button's form asked to go back to, if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- The class timetable ---------------------------------------------------------------------


class TimetableFilterForm(StyledFormMixin, forms.Form):
    class_type = forms.TypedChoiceField(label="Class", required=False, coerce=int, empty_value=None)
    location = forms.TypedChoiceField(
        label="Location", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, class_types, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_type"].choices = [("", "All classes")] + [
            (c.pk, c.name) for c in class_types
        ]
        self.fields["location"].choices = [("", "All locations")] + [
            (loc.pk, loc.name) for loc in locations
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"class_type": None, "location": None}
        return self.cleaned_data


@require_GET
@role_required(Role.CLIENT)
def timetable(request: HttpRequest) -> HttpResponse:
    policy = SchedulingSettings.load()
    now = timezone.now()
    horizon = now + timedelta(days=policy.client_booking_days)
    week = _week(
        request.GET.get("week"), today=timezone.localdate(), last_day=timezone.localdate(horizon)
    )
    class_types = list(selectors.class_type_list())
    locations = list(selectors.location_list())
    form = TimetableFilterForm(request.GET, class_types=class_types, locations=locations)
    filters = form.filters()
    sessions = selectors.session_list(
        user=request.user,
        start=max(now, _midnight(week.start)),
        end=_midnight(week.start + timedelta(days=7)),
        kind=Kind.CLASS,
        location_id=filters["location"],
        include_cancelled=False,
    )
    if filters["class_type"]:
        sessions = sessions.filter(class_type_id=filters["class_type"])
    sessions = list(sessions[:200])
    mine = {
        b.session_id: b
        for b in selectors.with_waitlist_position(
            selectors.visible_bookings(request.user).filter(
                session__in=[s.pk for s in sessions], status__in=ACTIVE
            )
        )
    }
    days = {day: [] for day in week.days}
    for session in sessions:
        session.mine = mine.get(session.pk)
        session.opens_later = session.starts_at > horizon
        days.setdefault(timezone.localdate(session.starts_at), []).append(session)
    query = request.GET.copy()
    query.pop("week", None)
    context = {
        "week": week,
        "days": [(day, items) for day, items in days.items() if week.start <= day <= week.end],
        "form": form,
        "filtered": bool(filters["class_type"] or filters["location"]),
        "query": query.urlencode(),
        "has_record": client_of_user(request.user) is not None,
        "here": request.get_full_path(),
        "today": timezone.localdate(),
    }
    return render(request, "scheduling/portal/timetable.html", context)


@require_POST
@role_required(Role.CLIENT)
@limit_booking_page
def class_book(request: HttpRequest) -> HttpResponse:
    """Book a seat in a class, or a place on its waitlist when it is full."""
    try:
        session = selectors.session_get(user=request.user, session_id=request.POST.get("session"))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    back = _back(request, reverse("portal-schedule:timetable"))
    # Always the signed-in client: the page has no way to name anyone else.
    client = client_of_user(request.user)
    if client is None:
        messages.error(request, "Your login is not linked to a client record. Ask at the desk.")
        return redirect(back)
    try:
        result = services.booking_create(
            actor=request.user, session=session, client=client, source=BookingSource.PORTAL
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    when = _when(session.starts_at)
    if result.waitlisted:
        position = selectors.waitlist_position(result.booking)
        messages.info(
            request,
            f"{session.title} on {when} is full: you are number {position} on the waitlist. "
            "We will tell you if a place frees up.",
        )
    else:
        messages.success(request, f"You are booked into {session.title} on {when}.")
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect(back)


# --- My bookings -----------------------------------------------------------------------------


@require_GET
@role_required(Role.CLIENT)
def my_bookings(request: HttpRequest) -> HttpResponse:
    client = client_of_user(request.user)
    if client is None:
        return render(request, "scheduling/portal/bookings.html", {"client": None})
    now = timezone.now()
    policy = SchedulingSettings.load()
    window = timedelta(hours=policy.late_cancel_hours)
    mine = selectors.client_bookings(user=request.user, client=client)
    upcoming = list(
        selectors.with_waitlist_position(
            mine.filter(status__in=ACTIVE, session__starts_at__gt=now).order_by(
                "session__starts_at", "id"
            )
        )[:UPCOMING_SHOWN]
    )
    for booking in upcoming:
        booking.position = booking.ahead + 1 if booking.status == BookingStatus.WAITLISTED else None
        booking.free_until = booking.session.starts_at - window
        booking.late_now = booking.status == BookingStatus.BOOKED and now > booking.free_until
        booking.session_cancelled = booking.session.status == SessionStatus.CANCELLED
    past = list(mine.filter(session__starts_at__lte=now)[:PAST_SHOWN])
    context = {
        "client": client,
        "upcoming": upcoming,
        "past": past,
        "summary": selectors.attendance_summary(user=request.user, client=client),
        "policy": policy,
    }
    return render(request, "scheduling/portal/bookings.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def booking_cancel(request: HttpRequest) -> HttpResponse:
    """GET says whether cancelling now is a late cancel; POST cancels."""
    raw = request.POST.get("booking") if request.method == "POST" else request.GET.get("booking")
    try:
        booking = selectors.booking_get(user=request.user, booking_id=raw)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "POST":
        try:
            cancelled = services.booking_cancel(actor=request.user, booking=booking)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            what = f"{cancelled.session.title} on {_when(cancelled.session.starts_at)}"
            if cancelled.status == BookingStatus.LATE_CANCELLED:
                messages.warning(request, f"Cancelled {what}. It counts as a late cancel.")
            else:
                messages.success(request, f"Cancelled {what}.")
        return redirect("portal-schedule:bookings")
    session = booking.session
    now = timezone.now()
    cancellable = booking.status in ACTIVE and session.starts_at > now
    policy = SchedulingSettings.load()
    context = {
        "booking": booking,
        "session": session,
        "cancellable": cancellable,
        "started": session.starts_at <= now,
        "late": booking.status == BookingStatus.BOOKED and services.is_late(session, now=now),
        "free_until": session.starts_at - timedelta(hours=policy.late_cancel_hours),
        "policy": policy,
        "position": selectors.waitlist_position(booking),
    }
    return render(request, "scheduling/portal/cancel.html", context)


# --- Book my trainer -------------------------------------------------------------------------


@require_GET
@role_required(Role.CLIENT)
def trainer_slots(request: HttpRequest) -> HttpResponse:
    """The free slots of one of the client's trainers, by day, a week at a time."""
    trainers = list(availability.self_booking_trainers(request.user).order_by("user__full_name"))
    trainer = None
    if request.GET.get("trainer"):
        try:
            trainer = availability.self_booking_trainer_get(
                user=request.user, trainer_id=request.GET["trainer"]
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
    elif trainers:
        trainer = trainers[0]
    policy = SchedulingSettings.load()
    now = timezone.now()
    horizon = now + timedelta(days=policy.client_booking_days)
    today = timezone.localdate()
    week = _week(request.GET.get("week"), today=today, last_day=timezone.localdate(horizon))
    days = []
    if trainer is not None:
        slots = availability.free_slots(
            trainer=trainer,
            first_day=max(week.start, today),
            last_day=week.end,
            now=now,
            policy=policy,
        )
        by_day = {day: [] for day in week.days if day >= today}
        for slot in slots:
            by_day.setdefault(slot.local_start.date(), []).append(slot)
        days = list(by_day.items())
    context = {
        "trainers": trainers,
        "trainer": trainer,
        "week": week,
        "days": days,
        "query": f"trainer={trainer.pk}" if trainer else "",
        "policy": policy,
        "has_record": client_of_user(request.user) is not None,
        "here": request.get_full_path(),
        "today": today,
    }
    return render(request, "scheduling/portal/trainer.html", context)


@require_POST
@role_required(Role.CLIENT)
@limit_booking_page
def trainer_book(request: HttpRequest) -> HttpResponse:
    try:
        trainer = availability.self_booking_trainer_get(
            user=request.user, trainer_id=request.POST.get("trainer")
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    back = _back(request, f"{reverse('portal-schedule:trainer')}?trainer={trainer.pk}")
    starts_at = parse_datetime(request.POST.get("starts_at", ""))
    if starts_at is None or timezone.is_naive(starts_at):
        messages.error(request, "Choose one of the free times.")
        return redirect(back)
    try:
        result = services.self_booking_create(
            actor=request.user, trainer=trainer, starts_at=starts_at
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        f"You are booked with {trainer.name} on {_when(result.booking.session.starts_at)}.",
    )
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect("portal-schedule:bookings")
