"""The emails a client gets about a booking."""

from django.core.mail import EmailMessage
from django.utils import timezone

from fitnesscrm.scheduling.models import Booking

SUBJECTS = {
    "booked": "Booked: {title} on {when}",
    "waitlisted": "On the waitlist: {title} on {when}",
    "promoted": "A place is yours: {title} on {when}",
    "cancelled": "Cancelled: {title} on {when}",
    "session_cancelled": "{title} on {when} is cancelled",
    "rescheduled": "Changed: {title} is now on {when}",
}


def booking_email_send(*, booking_id: int, event: str) -> bool:
    """Email the client about `event`; False when there is nobody to write to."""
    booking = (
        Booking.objects.select_related("client", "session__trainer__user", "session__room")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not booking.client.email or booking.client.archived_at:
        return False
    session = booking.session
    when = timezone.localtime(session.starts_at).strftime("%a %d %b %Y at %H:%M")
    subject = SUBJECTS[event].format(title=session.title, when=when)
    body = f"Hello {booking.client.first_name},\n\n{subject}.\n"
    EmailMessage(subject=subject, body=body, to=[booking.client.email]).send()
    return True
