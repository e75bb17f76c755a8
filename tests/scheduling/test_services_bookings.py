"""Booking, the waitlist, cancellations under the late-cancel policy, and attendance."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.scheduling import services
from fitnesscrm.scheduling.models import (
    Booking,
    BookingSource,
    BookingStatus,
    Reminder,
    SchedulingSettings,
    Session,
)
from tests.factories import BookingFactory, ClassSessionFactory, MemberFactory, in_days

pytestmark = pytest.mark.django_db


def _class(gym, **kwargs) -> Session:
    return ClassSessionFactory(trainer=gym.coach, **kwargs)


def test_the_desk_books_a_client_into_a_class_and_takes_a_seat(gym, front_desk):
    session = _class(gym, capacity=3)

    result = services.booking_create(actor=front_desk, session=session, client=gym.member)

    assert result.booking.status == BookingStatus.BOOKED
    assert result.warnings == []
    session.refresh_from_db()
    assert session.booked_count == 1
    assert session.seats_left == 2


def test_a_full_class_puts_the_next_client_on_the_waitlist_in_order(gym, front_desk):
    session = _class(gym, capacity=1)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    second = services.booking_create(actor=front_desk, session=session, client=gym.stranger)
    third = services.booking_create(actor=front_desk, session=session, client=gym.outsider_record)

    assert second.waitlisted and third.waitlisted
    from fitnesscrm.scheduling.selectors import waitlist_position

    assert waitlist_position(second.booking) == 1
    assert waitlist_position(third.booking) == 2
    session.refresh_from_db()
    assert (session.booked_count, session.waitlist_count) == (1, 2)


def test_a_full_class_refuses_when_the_waitlist_is_declined(gym, front_desk):
    session = _class(gym, capacity=1)
    services.booking_create(actor=front_desk, session=session, client=gym.member)

    with pytest.raises(Conflict, match="full"):
        services.booking_create(
            actor=front_desk, session=session, client=gym.stranger, waitlist=False
        )
    assert Booking.objects.filter(session=session).count() == 1


def test_cancelling_a_seat_promotes_the_first_waitlisted_client(gym, front_desk):
    session = _class(gym, capacity=1, starts_at=in_days(5))
    first = services.booking_create(actor=front_desk, session=session, client=gym.member)
    waiting = services.booking_create(actor=front_desk, session=session, client=gym.stranger)
    later = services.booking_create(actor=front_desk, session=session, client=gym.outsider_record)

    services.booking_cancel(actor=front_desk, booking=first.booking)

    waiting.booking.refresh_from_db()
    later.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.BOOKED
    assert waiting.booking.promoted_at is not None
    assert later.booking.status == BookingStatus.WAITLISTED
    session.refresh_from_db()
    assert (session.booked_count, session.waitlist_count) == (1, 1)
    # The promoted client now gets reminders; the cancelled one none.
    assert Reminder.objects.filter(booking=waiting.booking).count() == 2
    assert not Reminder.objects.filter(booking=first.booking).exists()


def test_raising_the_capacity_promotes_the_waitlist(gym, front_desk):
    session = _class(gym, capacity=1)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    waiting = services.booking_create(actor=front_desk, session=session, client=gym.stranger)

    services.session_update(actor=front_desk, session=session, capacity=2)

    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.BOOKED


def test_the_capacity_cannot_drop_below_the_seats_taken(gym, front_desk):
    session = _class(gym, capacity=2)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    services.booking_create(actor=front_desk, session=session, client=gym.stranger)

    with pytest.raises(ApplicationError, match="2 people are booked"):
        services.session_update(actor=front_desk, session=session, capacity=1)


def test_a_client_cancelling_inside_the_window_is_recorded_as_a_late_cancel(gym, client_user):
    SchedulingSettings.load()
    SchedulingSettings.objects.update(late_cancel_hours=12)
    soon = _class(gym, starts_at=timezone.now() + timedelta(hours=3))
    result = services.booking_create(
        actor=client_user, session=soon, client=gym.member, source=BookingSource.PORTAL
    )

    cancelled = services.booking_cancel(actor=client_user, booking=result.booking, waive_late=True)

    assert cancelled.status == BookingStatus.LATE_CANCELLED  # a client cannot waive it


def test_staff_may_waive_a_late_cancel_and_early_cancels_are_plain(gym, front_desk):
    soon = _class(gym, starts_at=timezone.now() + timedelta(hours=3))
    later = _class(gym, starts_at=in_days(4))
    a = services.booking_create(actor=front_desk, session=soon, client=gym.member).booking
    b = services.booking_create(actor=front_desk, session=later, client=gym.member).booking

    assert services.booking_cancel(actor=front_desk, booking=a, waive_late=True).status == (
        BookingStatus.CANCELLED
    )
    assert services.booking_cancel(actor=front_desk, booking=b).status == BookingStatus.CANCELLED


def test_a_client_books_only_for_themselves(gym, client_user):
    session = _class(gym)

    with pytest.raises(Forbidden, match="only book sessions for yourself"):
        services.booking_create(actor=client_user, session=session, client=gym.stranger)
    assert not Booking.objects.exists()


def test_a_client_cannot_book_someone_elses_personal_session(gym, client_user):
    personal = ClassSessionFactory(trainer=gym.coach, kind="personal")

    with pytest.raises(NotFound):
        services.booking_create(actor=client_user, session=personal, client=gym.member)


def test_cancelled_and_past_sessions_cannot_be_booked(gym, front_desk):
    cancelled = _class(gym, status="cancelled")
    past = _class(gym, starts_at=timezone.now() - timedelta(hours=2))

    with pytest.raises(ApplicationError, match="cancelled"):
        services.booking_create(actor=front_desk, session=cancelled, client=gym.member)
    with pytest.raises(ApplicationError, match="already started"):
        services.booking_create(actor=front_desk, session=past, client=gym.member)


def test_booking_twice_answers_a_conflict(gym, front_desk):
    session = _class(gym)
    services.booking_create(actor=front_desk, session=session, client=gym.member)

    with pytest.raises(Conflict, match="already booked"):
        services.booking_create(actor=front_desk, session=session, client=gym.member)


def test_a_cancelled_booking_can_be_booked_again(gym, front_desk):
    session = _class(gym, starts_at=in_days(3))
    first = services.booking_create(actor=front_desk, session=session, client=gym.member).booking
    services.booking_cancel(actor=front_desk, booking=first)

    again = services.booking_create(actor=front_desk, session=session, client=gym.member)

    assert again.booking.pk != first.pk
    assert again.booking.status == BookingStatus.BOOKED


def test_an_overlapping_booking_is_a_warning_not_a_refusal(gym, front_desk, room):
    one = _class(gym, starts_at=in_days(2, 9))
    other = ClassSessionFactory(starts_at=in_days(2, 9, 30))
    services.booking_create(actor=front_desk, session=one, client=gym.member)

    result = services.booking_create(actor=front_desk, session=other, client=gym.member)

    assert result.booking.status == BookingStatus.BOOKED
    assert len(result.warnings) == 1
    assert one.title in result.warnings[0]


def test_a_trainer_books_their_clients_into_their_own_sessions_only(gym, trainer):
    own = _class(gym)
    someone_elses = ClassSessionFactory(trainer=gym.other_coach)

    services.booking_create(actor=trainer, session=own, client=gym.member)
    with pytest.raises(Forbidden):
        services.booking_create(actor=trainer, session=someone_elses, client=gym.member)
    # A client they do not coach does not exist for them.
    with pytest.raises(NotFound):
        services.booking_create(actor=trainer, session=own, client=gym.stranger)


def test_check_in_one_by_one_and_for_the_whole_class(gym, trainer, front_desk):
    session = _class(gym, starts_at=timezone.now() + timedelta(minutes=30))
    a = BookingFactory(session=session, client=gym.member)
    BookingFactory(session=session, client=MemberFactory())
    BookingFactory(session=session, client=MemberFactory())

    services.booking_set_attendance(actor=trainer, booking=a, status=BookingStatus.ATTENDED)
    checked = services.session_check_in_all(actor=front_desk, session=session)

    assert checked == 2
    assert set(session.bookings.values_list("status", flat=True)) == {BookingStatus.ATTENDED}
    a.refresh_from_db()
    assert a.checked_in_by == trainer


def test_check_in_waits_until_an_hour_before_and_no_shows_until_the_start(gym, front_desk):
    session = _class(gym, starts_at=timezone.now() + timedelta(hours=3))
    booking = BookingFactory(session=session, client=gym.member)

    with pytest.raises(ApplicationError, match="opens an hour"):
        services.booking_set_attendance(
            actor=front_desk, booking=booking, status=BookingStatus.ATTENDED
        )
    with pytest.raises(ApplicationError, match="once the session has started"):
        services.booking_set_attendance(
            actor=front_desk, booking=booking, status=BookingStatus.NO_SHOW
        )


def test_another_trainer_cannot_take_attendance(gym):
    session = _class(gym, starts_at=timezone.now() - timedelta(minutes=10))
    booking = BookingFactory(session=session, client=gym.member)

    with pytest.raises(Forbidden):
        services.booking_set_attendance(
            actor=gym.other_coach.user, booking=booking, status=BookingStatus.NO_SHOW
        )


def test_cancelling_a_session_cancels_its_bookings_without_late_marks(gym, front_desk):
    session = _class(gym, starts_at=timezone.now() + timedelta(hours=2))
    seat = BookingFactory(session=session, client=gym.member)
    waiting = BookingFactory(session=session, client=gym.stranger, status="waitlisted")

    services.session_cancel(actor=front_desk, session=session, reason="Instructor ill")

    session.refresh_from_db()
    assert session.status == "cancelled"
    assert session.sequence == 1
    for booking in (seat, waiting):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED


def test_merging_clients_moves_their_bookings_and_keeps_counts_true(gym, owner):
    from fitnesscrm.clients.services import client_merge

    duplicate = MemberFactory(first_name="Cleo", last_name="Dup")
    shared = _class(gym, capacity=5)
    only_dup = _class(gym, starts_at=in_days(3))
    BookingFactory(session=shared, client=gym.member)
    BookingFactory(session=shared, client=duplicate)
    moved = BookingFactory(session=only_dup, client=duplicate)

    client_merge(actor=owner, survivor=gym.member, duplicate=duplicate)

    moved.refresh_from_db()
    assert moved.client == gym.member
    shared.refresh_from_db()
    assert shared.booked_count == 1
