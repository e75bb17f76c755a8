"""When two client records are merged, the duplicate's bookings move to the survivor."""

from django.db.models import F

from fitnesscrm.scheduling.models import LIVE_BOOKING_STATUSES, SEAT_STATUSES, Booking, Session


def bookings_merge(*, duplicate, survivor) -> None:
    """Move every booking; where both held a place in one session, the survivor's stays.

    The duplicate's place in such a session is cancelled and its seat or waitlist
    place given back, so the session's counts stay true. Runs inside client_merge's
    transaction (registered in clients.services.MERGE_HOOKS).
    """
    taken = set(
        Booking.objects.filter(client=survivor, status__in=LIVE_BOOKING_STATUSES).values_list(
            "session_id", flat=True
        )
    )
    clashing = Booking.objects.filter(
        client=duplicate, session_id__in=taken, status__in=LIVE_BOOKING_STATUSES
    )
    for booking in clashing.select_related("session"):
        session = Session.objects.select_for_update().get(pk=booking.session_id)
        if booking.status in SEAT_STATUSES:
            session.booked_count = F("booked_count") - 1
        else:
            session.waitlist_count = F("waitlist_count") - 1
        session.save(update_fields=["booked_count", "waitlist_count"])
        booking.status = "cancelled"
        booking.save(update_fields=["status", "updated_at"])
    Booking.objects.filter(client=duplicate).update(client=survivor)
