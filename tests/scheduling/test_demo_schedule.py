"""The demo timetable: classes and personal sessions that keep every scheduling rule."""

import io
import itertools

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.scheduling.models import (
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    Kind,
    Reminder,
    Session,
    SessionStatus,
)

pytestmark = pytest.mark.django_db


def test_the_demo_prints_its_timetable_and_loads_it_once(loaded_demo):
    assert "Demo timetable:" in loaded_demo
    again = io.StringIO()
    call_command("loaddemo", stdout=again)
    assert "Demo timetable: already there." in again.getvalue()


def test_no_trainer_and_no_room_is_in_two_sessions_at_once(loaded_demo):
    live = list(
        Session.objects.exclude(status=SessionStatus.CANCELLED).values_list(
            "trainer_id", "room_id", "starts_at", "ends_at"
        )
    )
    for column in (0, 1):
        by_owner: dict = {}
        for row in live:
            if row[column] is not None:
                by_owner.setdefault(row[column], []).append((row[2], row[3]))
        for spans in by_owner.values():
            spans.sort()
            assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_seat_counts_match_the_bookings_and_never_pass_the_capacity(loaded_demo):
    sessions = Session.objects.annotate(
        seats=Count("bookings", filter=Q(bookings__status__in=SEAT_STATUSES)),
        waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
    )
    for session in sessions:
        assert session.booked_count == session.seats <= session.capacity
        assert session.waitlist_count == session.waiting


def test_the_timetable_has_history_a_future_a_waitlist_and_a_cancelled_class(loaded_demo):
    now = timezone.now()
    assert Session.objects.filter(kind=Kind.CLASS, starts_at__lt=now).exists()
    assert Session.objects.filter(kind=Kind.PERSONAL, starts_at__gt=now).exists()
    assert Booking.objects.filter(status=BookingStatus.WAITLISTED).exists()
    assert Booking.objects.filter(status=BookingStatus.NO_SHOW).exists()
    assert Session.objects.filter(status=SessionStatus.CANCELLED).count() == 1
    assert Reminder.objects.filter(due_at__gt=now).exists()


def test_the_demo_client_has_classes_booked_and_attended(loaded_demo):
    chloe = User.objects.get(email="client@demo.fitnesscrm.test").client_profile
    mine = Booking.objects.filter(client=chloe)
    assert mine.filter(status=BookingStatus.BOOKED, session__starts_at__gt=timezone.now()).exists()
    assert mine.filter(status=BookingStatus.ATTENDED).exists()
