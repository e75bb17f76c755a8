"""Staff pages of the schedule: the calendar and its list, sessions, bookings, setup.

Thin adapters: reads come from scheduling.selectors (already scoped to the user),
writes go through scheduling.services; a record the user may not see is a 404, one
they see but may not change a 403.

One module per area: calendar (the calendar, its JSON events, dragging, the plain list),
sessions (create, detail, edit, cancel), bookings (the forms posted from a session's
page), setup (locations, rooms, class types, the owner's policy).
"""

from fitnesscrm.scheduling.views.bookings import (
    booking_add,
    booking_attendance,
    booking_cancel,
    check_in_all,
)
from fitnesscrm.scheduling.views.calendar import calendar, events, session_list, session_move
from fitnesscrm.scheduling.views.sessions import (
    session_cancel,
    session_create,
    session_detail,
    session_edit,
)
from fitnesscrm.scheduling.views.setup import policy, setup_active, setup_edit, setup_list

__all__ = [
    "booking_add",
    "booking_attendance",
    "booking_cancel",
    "calendar",
    "check_in_all",
    "events",
    "policy",
    "session_cancel",
    "session_create",
    "session_detail",
    "session_edit",
    "session_list",
    "session_move",
    "setup_active",
    "setup_edit",
    "setup_list",
]
