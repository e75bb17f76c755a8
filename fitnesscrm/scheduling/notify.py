"""What clients are told about their bookings: queued in the caller's transaction, sent later.

Only ids and the kind of event wait in the queue; the worker reads the booking
again and writes the email from what is true when it runs.
"""

from fitnesscrm.scheduling.models import Booking

# The events a client hears about, by email (and by SMS once SMS exists).
BOOKED = "booked"  # a seat is theirs
WAITLISTED = "waitlisted"  # the session is full; they are on the waitlist
PROMOTED = "promoted"  # a seat freed and the waitlist gave it to them
CANCELLED = "cancelled"  # their booking was cancelled (by them or by staff)
SESSION_CANCELLED = "session_cancelled"  # the session itself was cancelled
RESCHEDULED = "rescheduled"  # the session moved, or its trainer, room or link changed
EVENTS = (BOOKED, WAITLISTED, PROMOTED, CANCELLED, SESSION_CANCELLED, RESCHEDULED)


def booking_event(booking: Booking, event: str) -> None:
    from fitnesscrm.scheduling.tasks import send_booking_email

    if event not in EVENTS:  # a programming error: checked even under python -O
        raise ValueError(f"Unknown booking event: {event!r}")
    send_booking_email.enqueue(booking_id=booking.pk, event=event)


def bookings_event(bookings, event: str) -> None:
    for booking in bookings:
        booking_event(booking, event)
