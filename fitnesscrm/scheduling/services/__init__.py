"""Every write to the schedule: sessions and series, bookings and attendance."""

from fitnesscrm.scheduling.services.bookings import (
    BookingResult,
    booking_cancel,
    booking_create,
    booking_set_attendance,
    is_late,
    promote_waitlist,
    session_check_in_all,
)
from fitnesscrm.scheduling.services.merge import bookings_merge
from fitnesscrm.scheduling.services.sessions import (
    ALL,
    FOLLOWING,
    SCOPES,
    THIS,
    SeriesPlan,
    business_zone,
    series_cancel,
    series_create,
    series_update,
    session_cancel,
    session_complete,
    session_create,
    session_update,
)

__all__ = [
    "ALL",
    "FOLLOWING",
    "SCOPES",
    "THIS",
    "BookingResult",
    "SeriesPlan",
    "booking_cancel",
    "booking_create",
    "booking_set_attendance",
    "bookings_merge",
    "business_zone",
    "is_late",
    "promote_waitlist",
    "series_cancel",
    "series_create",
    "series_update",
    "session_cancel",
    "session_check_in_all",
    "session_complete",
    "session_create",
    "session_update",
]
