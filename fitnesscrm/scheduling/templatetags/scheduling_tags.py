"""`{% client_schedule client %}`: a client's bookings and attendance, for their record page."""

from django import template
from django.utils import timezone

from fitnesscrm.scheduling import selectors
from fitnesscrm.scheduling.models import BookingStatus

register = template.Library()

# Rows of each list on the client's page; the whole history is in the calendar and the API.
SHOWN = 5


@register.inclusion_tag("scheduling/_client_schedule.html", takes_context=True)
def client_schedule(context, client) -> dict:
    user = context["request"].user
    now = timezone.now()
    bookings = selectors.client_bookings(user=user, client=client)
    upcoming = list(
        bookings.filter(
            session__starts_at__gt=now,
            status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED],
        ).order_by("session__starts_at", "id")[:SHOWN]
    )
    past = list(bookings.filter(session__starts_at__lte=now)[:SHOWN])
    return {
        "client": client,
        "summary": selectors.attendance_summary(user=user, client=client),
        "upcoming": upcoming,
        "past": past,
    }
