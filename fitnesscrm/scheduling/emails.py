"""The emails a client gets about a booking, and the reminder before a session.

Each is a text and an HTML part rendered from templates/scheduling/email/, with
times in the business's time zone. A confirmed place (booked, promoted, moved)
carries an invitation (`session.ics`, METHOD:REQUEST); a withdrawn one a
cancellation (METHOD:CANCEL), under the same UID and SEQUENCE as the client's
calendar feed, so a calendar updates the one event instead of adding another.
"""

from email.message import MIMEPart

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from fitnesscrm.scheduling import feeds, notify
from fitnesscrm.scheduling.models import (
    LIVE_BOOKING_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    SchedulingSettings,
)
from fitnesscrm.scheduling.selectors import waitlist_position

SUBJECTS = {
    notify.BOOKED: "Booked: {title} on {when}",
    notify.WAITLISTED: "On the waitlist: {title} on {when}",
    notify.PROMOTED: "A place is yours: {title} on {when}",
    notify.CANCELLED: "Cancelled: {title} on {when}",
    notify.SESSION_CANCELLED: "{title} on {when} is cancelled",
    notify.RESCHEDULED: "Changed: {title} is now on {when}",
}
HEADLINES = {
    notify.BOOKED: "You are booked in",
    notify.WAITLISTED: "You are on the waitlist",
    notify.PROMOTED: "A place is yours",
    notify.CANCELLED: "Your booking is cancelled",
    notify.SESSION_CANCELLED: "Session cancelled",
    notify.RESCHEDULED: "Your session has changed",
}
# The booking states an event still makes sense for when the worker gets to it: a
# "you are booked" email is not sent for a booking cancelled in the meantime.
STILL_TRUE = {
    notify.BOOKED: SEAT_STATUSES,
    notify.PROMOTED: SEAT_STATUSES,
    notify.WAITLISTED: (BookingStatus.WAITLISTED,),
    notify.RESCHEDULED: LIVE_BOOKING_STATUSES,
    notify.CANCELLED: (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED),
    notify.SESSION_CANCELLED: (BookingStatus.CANCELLED,),
}
ICS_FILENAME = "session.ics"


def _load(booking_id: int) -> Booking | None:
    return (
        Booking.objects.select_related(
            "client", "session__trainer__user", "session__room__location", "session__location"
        )
        .filter(pk=booking_id)
        .first()
    )


def _writable(booking: Booking | None) -> bool:
    return booking is not None and bool(booking.client.email) and booking.client.archived_at is None


def _when(value) -> str:
    return timezone.localtime(value).strftime("%a %d %b %Y at %H:%M")


def session_context(booking: Booking) -> dict:
    """What every email about a booking shows: the session, in the business's time zone."""
    session = booking.session
    return {
        "site_name": settings.SITE_NAME,
        "client": booking.client,
        "booking": booking,
        "session": session,
        "starts": timezone.localtime(session.starts_at),
        "ends": timezone.localtime(session.ends_at),
        "trainer_name": session.trainer.name,
        "location": feeds.location_text(session)
        if (session.room_id or session.location_id)
        else "",
    }


def _had_seat(booking: Booking) -> bool:
    """Did the client ever hold a seat (and so get an invitation) with this booking?"""
    return booking.waitlisted_at is None or booking.promoted_at is not None


def _invitation_method(booking: Booking, event: str) -> str:
    if event in (notify.BOOKED, notify.PROMOTED):
        return feeds.REQUEST
    if event == notify.RESCHEDULED and booking.status in SEAT_STATUSES:
        return feeds.REQUEST
    if event in (notify.CANCELLED, notify.SESSION_CANCELLED) and _had_seat(booking):
        return feeds.CANCEL
    return ""


def ics_part(booking: Booking, method: str) -> MIMEPart:
    """The `.ics` attachment, typed so mail apps offer to add it to the calendar."""
    part = MIMEPart()
    part.set_content(
        feeds.booking_invitation(booking, method=method).decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename=ICS_FILENAME,
    )
    return part


def send_templated(
    *, to: str, subject: str, template: str, context: dict, attachment: MIMEPart | None = None
) -> None:
    """Render `<template>.txt` and `.html` and send them; errors propagate to the caller."""
    context = {**context, "subject": subject}
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[to]
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if attachment is not None:
        message.attach(attachment)
    message.send()


def booking_email_send(*, booking_id: int, event: str) -> bool:
    """Email the client about `event`; False when there is nobody to write to or it is stale."""
    booking = _load(booking_id)
    if not _writable(booking) or booking.status not in STILL_TRUE[event]:
        return False
    session = booking.session
    subject = SUBJECTS[event].format(title=session.title, when=_when(session.starts_at))
    method = _invitation_method(booking, event)
    context = {
        **session_context(booking),
        "event": event,
        "headline": HEADLINES[event],
        "invitation": method,
        "position": waitlist_position(booking) if event == notify.WAITLISTED else None,
        "late": booking.status == BookingStatus.LATE_CANCELLED,
        "late_hours": SchedulingSettings.load().late_cancel_hours,
    }
    send_templated(
        to=booking.client.email,
        subject=subject,
        template="scheduling/email/booking",
        context=context,
        attachment=ics_part(booking, method) if method else None,
    )
    return True


def _when_phrase(starts_at) -> str:
    """ "today at 18:00", "tomorrow at 07:00" or "on Monday 2 March at 07:00", in local time."""
    local = timezone.localtime(starts_at)
    days = (local.date() - timezone.localdate()).days
    if days == 0:
        return f"today at {local:%H:%M}"
    if days == 1:
        return f"tomorrow at {local:%H:%M}"
    return f"on {local:%A} {local.day} {local:%B} at {local:%H:%M}"


def reminder_email_send(booking: Booking) -> None:
    """The reminder before a session (the caller has checked it is still due and wanted)."""
    session = booking.session
    when = _when_phrase(session.starts_at)
    subject = f"Reminder: {session.title} {when}"
    context = {**session_context(booking), "headline": subject, "when_phrase": when}
    send_templated(
        to=booking.client.email,
        subject=subject,
        template="scheduling/email/reminder",
        context=context,
    )
