"""A trainer's free slots, their working hours and time off, and a client booking a slot."""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.scheduling import availability, services
from fitnesscrm.scheduling.models import (
    Booking,
    BookingSource,
    BookingStatus,
    Kind,
    SchedulingSettings,
    Session,
    SessionStatus,
    TimeOff,
    WorkingHours,
)
from fitnesscrm.scheduling.services import Hours
from tests.factories import AssignmentFactory, MemberFactory, SessionFactory, UserFactory, in_days

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def hours(trainer, weekday: int, starts: str, ends: str) -> WorkingHours:
    return WorkingHours.objects.create(
        trainer=trainer,
        weekday=weekday,
        starts=time.fromisoformat(starts),
        ends=time.fromisoformat(ends),
    )


def every_day(trainer, starts: str = "09:00", ends: str = "12:00") -> None:
    for weekday in range(7):
        hours(trainer, weekday, starts, ends)


def local_times(slots) -> list[str]:
    return [timezone.localtime(slot.starts_at).strftime("%H:%M") for slot in slots]


def policy(**values) -> SchedulingSettings:
    row = SchedulingSettings.load()
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


# --- Slots ------------------------------------------------------------------------------------


def test_slots_fill_the_working_hours_on_a_half_hour_grid(gym):
    policy(self_booking_minutes=60, self_booking_notice_hours=0)
    day = timezone.localdate() + timedelta(days=3)
    hours(gym.coach, day.weekday(), "09:00", "11:00")

    slots = availability.free_slots(trainer=gym.coach, first_day=day, last_day=day)

    assert local_times(slots) == ["09:00", "09:30", "10:00"]
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=1) for slot in slots)


def test_a_day_without_working_hours_offers_nothing(gym):
    day = timezone.localdate() + timedelta(days=3)
    hours(gym.coach, (day.weekday() + 1) % 7, "09:00", "17:00")

    assert availability.free_slots(trainer=gym.coach, first_day=day, last_day=day) == []


def test_time_off_and_sessions_take_their_time_out_of_the_slots(gym):
    policy(self_booking_minutes=60, self_booking_notice_hours=0)
    every_day(gym.coach, "09:00", "14:00")
    day = timezone.localdate() + timedelta(days=3)
    at = lambda hh, mm=0: in_days(3, hh, mm)  # noqa: E731
    SessionFactory(trainer=gym.coach, starts_at=at(10), ends_at=at(11))
    TimeOff.objects.create(trainer=gym.coach, starts_at=at(12), ends_at=at(12, 30))
    # A cancelled session frees its time again; another trainer's session is not ours.
    SessionFactory(
        trainer=gym.coach, starts_at=at(9), ends_at=at(9, 30), status=SessionStatus.CANCELLED
    )
    SessionFactory(trainer=gym.other_coach, starts_at=at(13), ends_at=at(14))

    slots = availability.free_slots(trainer=gym.coach, first_day=day, last_day=day)

    assert local_times(slots) == ["09:00", "11:00", "12:30", "13:00"]


def test_nothing_is_offered_inside_the_notice_period_or_beyond_the_booking_horizon(gym):
    every_day(gym.coach, "00:00", "23:30")
    policy(self_booking_notice_hours=24, client_booking_days=3, self_booking_minutes=30)
    now = timezone.now()
    today = timezone.localdate()

    slots = availability.free_slots(
        trainer=gym.coach, first_day=today, last_day=today + timedelta(days=6), now=now
    )

    assert slots
    assert min(s.starts_at for s in slots) >= now + timedelta(hours=24)
    assert max(s.starts_at for s in slots) <= now + timedelta(days=3)


def test_an_inactive_trainer_offers_nothing(gym):
    every_day(gym.coach)
    gym.coach.is_active = False
    gym.coach.save()
    day = timezone.localdate() + timedelta(days=3)

    assert availability.free_slots(trainer=gym.coach, first_day=day, last_day=day) == []


def test_slots_take_four_queries_however_long_the_range(gym, django_assert_num_queries):
    policy()
    every_day(gym.coach, "06:00", "21:00")
    for n in range(1, 8):
        SessionFactory(trainer=gym.coach, starts_at=in_days(n, 10))
        TimeOff.objects.create(trainer=gym.coach, starts_at=in_days(n, 15), ends_at=in_days(n, 16))
    today = timezone.localdate()

    with django_assert_num_queries(4):
        availability.free_slots(trainer=gym.coach, first_day=today, last_day=today + timedelta(14))


def test_in_the_week_the_clocks_go_forward_a_nine_oclock_start_stays_at_nine(gym, settings):
    settings.TIME_ZONE = "Europe/London"
    policy(self_booking_minutes=60, self_booking_notice_hours=0, client_booking_days=60)
    every_day(gym.coach, "09:00", "11:00")
    # The clocks go forward at 01:00 GMT on Sunday 28 March 2027.
    now = datetime(2027, 3, 20, 12, tzinfo=LONDON)
    with timezone.override(LONDON):
        slots = availability.free_slots(
            trainer=gym.coach, first_day=date(2027, 3, 27), last_day=date(2027, 3, 29), now=now
        )
        by_day = {}
        for slot in slots:
            by_day.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)

    for day in (date(2027, 3, 27), date(2027, 3, 28), date(2027, 3, 29)):
        assert local_times(by_day[day]) == ["09:00", "09:30", "10:00"], day
    # The same wall-clock time is an hour earlier in UTC once summer time starts.
    assert by_day[date(2027, 3, 27)][0].starts_at.astimezone(ZoneInfo("UTC")).hour == 9
    assert by_day[date(2027, 3, 29)][0].starts_at.astimezone(ZoneInfo("UTC")).hour == 8


def test_a_time_the_clocks_skip_is_never_offered(gym, settings):
    settings.TIME_ZONE = "Europe/London"
    policy(self_booking_minutes=30, self_booking_notice_hours=0, client_booking_days=60)
    sunday = date(2027, 3, 28)
    hours(gym.coach, sunday.weekday(), "00:00", "03:00")
    now = datetime(2027, 3, 20, 12, tzinfo=LONDON)

    with timezone.override(LONDON):
        slots = availability.free_slots(
            trainer=gym.coach, first_day=sunday, last_day=sunday, now=now
        )
        shown = local_times(slots)

    # 01:00 and 01:30 do not exist that night; 00:30 GMT runs until 02:00 BST.
    assert shown == ["00:00", "00:30", "02:00", "02:30"]
    assert len({slot.starts_at for slot in slots}) == len(slots)


# --- Working hours and time off ---------------------------------------------------------------


def test_a_trainer_replaces_their_own_weekly_hours(gym, trainer):
    hours(gym.coach, 0, "06:00", "08:00")

    services.working_hours_set(
        actor=trainer,
        trainer=gym.coach,
        hours=[Hours(1, time(9), time(12)), Hours(1, time(14), time(18))],
    )

    assert [str(row) for row in availability.working_hours_of(gym.coach)] == [
        "Tuesday 09:00 to 12:00",
        "Tuesday 14:00 to 18:00",
    ]


def test_overlapping_or_backwards_hours_are_refused_and_nothing_changes(gym, owner):
    hours(gym.coach, 0, "06:00", "08:00")

    with pytest.raises(ApplicationError) as overlap:
        services.working_hours_set(
            actor=owner,
            trainer=gym.coach,
            hours=[Hours(2, time(9), time(12)), Hours(2, time(11), time(13))],
        )
    with pytest.raises(ApplicationError, match="end must be after"):
        services.working_hours_set(
            actor=owner, trainer=gym.coach, hours=[Hours(3, time(9), time(8))]
        )

    assert overlap.value.errors[0]["weekday"] == 2
    assert [str(row) for row in availability.working_hours_of(gym.coach)] == [
        "Monday 06:00 to 08:00"
    ]


def test_only_the_trainer_and_management_set_a_trainers_availability(
    gym, trainer, manager, front_desk, client_user
):
    services.working_hours_set(
        actor=manager, trainer=gym.coach, hours=[Hours(0, time(9), time(10))]
    )
    for actor in (front_desk, client_user, gym.other_coach.user):
        with pytest.raises(Forbidden):
            services.working_hours_set(actor=actor, trainer=gym.coach, hours=[])
        with pytest.raises(Forbidden):
            services.time_off_add(
                actor=actor, trainer=gym.coach, starts_at=in_days(3), ends_at=in_days(4)
            )
    assert WorkingHours.objects.filter(trainer=gym.coach).count() == 1


def test_time_off_over_a_booked_session_is_refused_naming_the_session(gym, trainer):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 10), title="PT with Cleo")

    with pytest.raises(Conflict) as refused:
        services.time_off_add(
            actor=trainer, trainer=gym.coach, starts_at=in_days(3, 8), ends_at=in_days(3, 18)
        )

    assert refused.value.errors[0]["session_id"] == session.pk
    assert "PT with Cleo" in refused.value.errors[0]["message"]
    assert not TimeOff.objects.exists()


def test_time_off_around_a_cancelled_session_is_taken_and_can_be_removed(gym, trainer):
    SessionFactory(trainer=gym.coach, starts_at=in_days(3, 10), status=SessionStatus.CANCELLED)

    off = services.time_off_add(
        actor=trainer,
        trainer=gym.coach,
        starts_at=in_days(3, 8),
        ends_at=in_days(3, 18),
        reason=" Dentist ",
    )
    assert off.reason == "Dentist"

    services.time_off_remove(actor=trainer, time_off=off)
    assert not TimeOff.objects.exists()


def test_time_off_that_ends_before_it_starts_is_refused_at_the_field(gym, trainer):
    with pytest.raises(ApplicationError) as refused:
        services.time_off_add(
            actor=trainer, trainer=gym.coach, starts_at=in_days(3, 10), ends_at=in_days(3, 9)
        )
    assert refused.value.errors[0]["field"] == "ends_at"


# --- A client books a slot --------------------------------------------------------------------


def open_day(gym, days: int = 3) -> date:
    policy(self_booking_minutes=60, self_booking_notice_hours=12, client_booking_days=30)
    day = timezone.localdate() + timedelta(days=days)
    hours(gym.coach, day.weekday(), "09:00", "12:00")
    return day


def test_a_client_books_a_free_slot_with_their_trainer(gym, client_user):
    day = open_day(gym)
    slot = availability.free_slots(trainer=gym.coach, first_day=day, last_day=day)[0]

    result = services.self_booking_create(
        actor=client_user, trainer=gym.coach, starts_at=slot.starts_at
    )

    booking = result.booking
    assert (booking.client, booking.status, booking.source) == (
        gym.member,
        BookingStatus.BOOKED,
        BookingSource.PORTAL,
    )
    session = booking.session
    assert (session.kind, session.trainer, session.capacity) == (Kind.PERSONAL, gym.coach, 1)
    assert (session.starts_at, session.ends_at) == (slot.starts_at, slot.ends_at)
    # The slot is gone from what is offered next.
    again = availability.free_slots(trainer=gym.coach, first_day=day, last_day=day)
    assert slot.starts_at not in [s.starts_at for s in again]


def test_a_taken_slot_is_refused_without_saying_who_took_it(gym, client_user):
    open_day(gym)
    starts_at = in_days(3, 10)
    assert availability.slot_is_free(trainer=gym.coach, starts_at=starts_at)
    SessionFactory(trainer=gym.coach, starts_at=starts_at, title="PT with Sam Stranger")

    with pytest.raises(Conflict) as refused:
        services.self_booking_create(actor=client_user, trainer=gym.coach, starts_at=starts_at)

    assert refused.value.code == "slot_taken"
    assert "Stranger" not in str(refused.value.errors) + refused.value.message
    assert Session.objects.filter(trainer=gym.coach).count() == 1


@pytest.mark.parametrize(
    "starts_at",
    [
        pytest.param(lambda: in_days(3, 10, 10), id="off the grid"),
        pytest.param(lambda: in_days(3, 8), id="before the working hours"),
        pytest.param(lambda: in_days(3, 11, 30), id="running past the working hours"),
        pytest.param(lambda: in_days(5, 10), id="on a day off"),
        pytest.param(lambda: timezone.now() + timedelta(hours=1), id="inside the notice"),
    ],
)
def test_a_time_that_is_not_offered_cannot_be_booked(gym, client_user, starts_at):
    open_day(gym)

    with pytest.raises(Conflict):
        services.self_booking_create(actor=client_user, trainer=gym.coach, starts_at=starts_at())

    assert not Session.objects.exists()


def test_a_client_can_book_only_a_trainer_assigned_to_them(gym, client_user, outsider):
    open_day(gym)
    hours(gym.other_coach, (timezone.localdate() + timedelta(days=3)).weekday(), "09:00", "12:00")

    with pytest.raises(NotFound):
        services.self_booking_create(
            actor=client_user, trainer=gym.other_coach, starts_at=in_days(3, 10)
        )
    with pytest.raises(NotFound):
        services.self_booking_create(actor=outsider, trainer=gym.coach, starts_at=in_days(3, 10))
    assert not Session.objects.exists()


def test_an_ended_assignment_ends_self_booking_with_that_trainer(gym, client_user):
    open_day(gym)
    gym.assignment.end_date = timezone.localdate()
    gym.assignment.save()

    with pytest.raises(NotFound):
        services.self_booking_create(actor=client_user, trainer=gym.coach, starts_at=in_days(3, 10))


def test_staff_do_not_book_through_the_client_self_booking(gym, front_desk):
    open_day(gym)

    with pytest.raises(Forbidden):
        services.self_booking_create(actor=front_desk, trainer=gym.coach, starts_at=in_days(3, 10))


# --- Two clients after one slot ---------------------------------------------------------------

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs parallel transactions with row locks (PostgreSQL)",
)


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_clients_after_the_same_slot_at_once_exactly_one_gets_it(trainer, client_user):
    from tests.factories import TrainerFactory

    coach = TrainerFactory(user=trainer)
    first = MemberFactory(user=client_user)
    second = MemberFactory(user=UserFactory(role="client", email="second@example.test"))
    for member in (first, second):
        AssignmentFactory(client=member, trainer=coach, is_primary=True)
    policy(self_booking_minutes=60, self_booking_notice_hours=0, client_booking_days=30)
    day = timezone.localdate() + timedelta(days=3)
    hours(coach, day.weekday(), "09:00", "12:00")
    starts_at = in_days(3, 10)

    start_together = threading.Barrier(2)
    outcomes = {}

    def book(user) -> None:
        try:
            start_together.wait(timeout=10)
            services.self_booking_create(actor=user, trainer=coach, starts_at=starts_at)
            outcomes[user.pk] = "booked"
        except Conflict as exc:
            outcomes[user.pk] = exc.code
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=book, args=(m.user,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["booked", "slot_taken"]
    assert Session.objects.filter(trainer=coach).count() == 1
    assert Booking.objects.filter(session__trainer=coach).count() == 1
