"""The forms posted from a session's page: book a client, cancel a booking, check in one by
one or everyone, mark a no-show, undo."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from fitnesscrm.clients import selectors as client_selectors
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.ratelimit import limit_booking_page
from fitnesscrm.scheduling import selectors, services
from fitnesscrm.scheduling.forms import BookClientForm, apply_errors
from fitnesscrm.scheduling.models import BookingStatus
from fitnesscrm.scheduling.views._common import (
    STAFF,
    booking_or_404,
    require_manager_of,
    session_or_404,
)
from fitnesscrm.scheduling.views.sessions import detail_url, render_detail

ATTENDANCE_NOTES = {
    BookingStatus.ATTENDED: "{name} checked in.",
    BookingStatus.NO_SHOW: "{name} marked as a no-show.",
    BookingStatus.BOOKED: "{name} is back to booked.",
}


@require_POST
@role_required(*STAFF)
@limit_booking_page
def booking_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    require_manager_of(request, session)
    user = request.user
    try:
        client = client_selectors.client_get(
            user=user, client_id=int(request.POST.get("client") or 0), include_archived=False
        )
    except (NotFound, ValueError):
        client = None
    form = BookClientForm(request.POST, clients=[client] if client else [])
    if form.is_valid():
        try:
            result = services.booking_create(actor=user, session=session, client=client)
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            if result.waitlisted:
                place = selectors.waitlist_position(result.booking)
                messages.info(request, f"The session is full: {client.full_name} is number "
                              f"{place} on the waitlist.")  # fmt: skip
            else:
                messages.success(request, f"{client.full_name} booked.")
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect(detail_url(session) + "#attendees")
    return render_detail(request, session, book_form=form, status=400)


@require_POST
@role_required(*STAFF)
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_or_404(request, booking_id)
    try:
        booking = services.booking_cancel(
            actor=request.user, booking=booking, waive_late=request.POST.get("waive_late") == "1"
        )
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        late = booking.status == BookingStatus.LATE_CANCELLED
        messages.success(
            request,
            f"Booking of {booking.client.full_name} cancelled"
            + (" and recorded as a late cancel." if late else "."),
        )
    return redirect(detail_url(booking.session) + "#attendees")


@require_POST
@role_required(*STAFF)
def booking_attendance(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_or_404(request, booking_id)
    status = request.POST.get("status", "")
    try:
        booking = services.booking_set_attendance(
            actor=request.user, booking=booking, status=status
        )
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(
            request, ATTENDANCE_NOTES[booking.status].format(name=booking.client.full_name)
        )
    return redirect(detail_url(booking.session) + "#attendees")


@require_POST
@role_required(*STAFF)
def check_in_all(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_or_404(request, session_id)
    try:
        count = services.session_check_in_all(actor=request.user, session=session)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{count} checked in." if count else "Everyone booked is already checked in."
        )
    return redirect(detail_url(session) + "#attendees")
