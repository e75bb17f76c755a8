"""Sessions and weekly series: creating, rescheduling and cancelling, and the rules they keep."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.scheduling import services
from fitnesscrm.scheduling.models import Booking, BookingStatus, Series, Session, TimeOff
from tests.factories import BookingFactory, ClassSessionFactory, SessionFactory, in_days

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _next(weekday: int, *, weeks: int = 1) -> date:
    """A date on `weekday` (0 = Monday) at least `weeks` weeks from today."""
    day = timezone.localdate() + timedelta(weeks=weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def test_a_session_takes_its_length_and_capacity_from_the_class_type(gym, front_desk, room, spin):
    start = in_days(2, 18)

    session = services.session_create(
        actor=front_desk,
        trainer=gym.coach,
        kind="class",
        class_type=spin,
        room=room,
        starts_at=start,
    )

    assert session.title == "Spin"
    assert session.ends_at - session.starts_at == timedelta(minutes=45)
    assert session.capacity == 12
    assert session.location == room.location


@pytest.mark.parametrize(
    ("length", "message"),
    [(timedelta(0), "end must be after the start"), (timedelta(hours=25), "at most 24 hours")],
)
def test_impossible_times_are_refused_at_the_field(gym, front_desk, length, message):
    start = in_days(2, 9)

    with pytest.raises(ApplicationError, match=message) as refused:
        services.session_create(
            actor=front_desk, trainer=gym.coach, starts_at=start, ends_at=start + length
        )
    assert refused.value.errors[0]["field"] == "ends_at"
    assert not Session.objects.exists()


def test_a_room_smaller_than_the_capacity_is_refused(gym, front_desk, room):
    with pytest.raises(ApplicationError, match="holds 20 people at most"):
        services.session_create(
            actor=front_desk, trainer=gym.coach, room=room, starts_at=in_days(2), capacity=30
        )


def test_a_trainer_cannot_be_in_two_sessions_at_once(gym, front_desk):
    SessionFactory(trainer=gym.coach, title="Morning PT", starts_at=in_days(2, 9))

    with pytest.raises(Conflict, match="already has “Morning PT”") as refused:
        services.session_create(actor=front_desk, trainer=gym.coach, starts_at=in_days(2, 9, 30))
    assert refused.value.errors[0]["field"] == "trainer"
    assert Session.objects.count() == 1


def test_a_room_cannot_hold_two_sessions_at_once(gym, front_desk, room):
    ClassSessionFactory(trainer=gym.other_coach, room=room, starts_at=in_days(2, 18))

    with pytest.raises(Conflict, match="Studio A is taken") as refused:
        services.session_create(
            actor=front_desk, trainer=gym.coach, room=room, starts_at=in_days(2, 18, 30)
        )
    assert refused.value.errors[0]["field"] == "room"


def test_back_to_back_sessions_and_cancelled_ones_do_not_collide(gym, front_desk):
    SessionFactory(trainer=gym.coach, starts_at=in_days(2, 9))
    SessionFactory(trainer=gym.coach, starts_at=in_days(2, 11), status="cancelled")

    services.session_create(actor=front_desk, trainer=gym.coach, starts_at=in_days(2, 10))
    services.session_create(actor=front_desk, trainer=gym.coach, starts_at=in_days(2, 11))

    assert Session.objects.filter(status="scheduled").count() == 3


def test_time_off_blocks_sessions(gym, front_desk):
    TimeOff.objects.create(
        trainer=gym.coach, starts_at=in_days(3, 0), ends_at=in_days(4, 0), reason="Holiday"
    )

    with pytest.raises(Conflict, match="away \\(Holiday\\)"):
        services.session_create(actor=front_desk, trainer=gym.coach, starts_at=in_days(3, 9))


def test_trainers_schedule_only_themselves(gym, trainer):
    services.session_create(actor=trainer, trainer=gym.coach, starts_at=in_days(2, 9))

    with pytest.raises(Forbidden):
        services.session_create(actor=trainer, trainer=gym.other_coach, starts_at=in_days(2, 9))


def test_rescheduling_keeps_the_length_raises_the_sequence_and_moves_reminders(gym, front_desk):
    session = services.session_create(actor=front_desk, trainer=gym.coach, starts_at=in_days(3, 9))
    booked = services.booking_create(actor=front_desk, session=session, client=gym.member).booking
    due_before = sorted(booked.reminders.values_list("due_at", flat=True))

    moved = services.session_update(actor=front_desk, session=session, starts_at=in_days(3, 15))

    assert moved.ends_at - moved.starts_at == timedelta(hours=1)
    assert moved.sequence == 1
    due_after = sorted(booked.reminders.values_list("due_at", flat=True))
    assert [d - b for d, b in zip(due_after, due_before, strict=True)] == [timedelta(hours=6)] * 2


def test_rescheduling_checks_the_same_rules(gym, front_desk):
    SessionFactory(trainer=gym.coach, title="Taken", starts_at=in_days(3, 15))
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 9))

    with pytest.raises(Conflict, match="Taken"):
        services.session_update(actor=front_desk, session=session, starts_at=in_days(3, 15))
    with pytest.raises(ApplicationError, match="into the past"):
        services.session_update(
            actor=front_desk, session=session, starts_at=timezone.now() - timedelta(hours=1)
        )
    session.refresh_from_db()
    assert session.starts_at == in_days(3, 9)
    assert session.sequence == 0


def test_a_cancelled_session_cannot_be_edited(gym, front_desk):
    session = SessionFactory(trainer=gym.coach, status="cancelled")

    with pytest.raises(ApplicationError, match="cancelled"):
        services.session_update(actor=front_desk, session=session, title="New")


# --- Weekly series ----------------------------------------------------------------------------


def _series(actor, gym, *, weekdays=(0, 2), count=6, start=time(7), **kwargs) -> Series:
    plan = services.SeriesPlan(
        first_day=_next(0),
        start_time=start,
        duration_minutes=45,
        weekdays=weekdays,
        count=count,
        until=kwargs.pop("until", None),
    )
    return services.series_create(
        actor=actor,
        plan=plan,
        trainer=gym.coach,
        kind="personal",
        title="Early spin",
        capacity=10,
        **kwargs,
    )


def test_a_weekly_series_creates_each_session_at_the_same_local_time(gym, front_desk):
    series = _series(front_desk, gym, weekdays=(0, 2), count=6)

    sessions = list(series.sessions.order_by("starts_at"))
    assert len(sessions) == 6
    assert [timezone.localtime(s.starts_at).weekday() for s in sessions] == [0, 2] * 3
    assert {timezone.localtime(s.starts_at).time() for s in sessions} == {time(7)}
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"


def test_a_series_keeps_0700_local_across_the_clocks_changing(gym, front_desk, settings):
    settings.TIME_ZONE = "Europe/London"
    year = timezone.localdate().year + 1
    # Mondays from early March to mid April: the clocks go forward on the last Sunday of March.
    plan = services.SeriesPlan(
        first_day=date(year, 3, 2) + timedelta(days=(0 - date(year, 3, 2).weekday()) % 7),
        start_time=time(7),
        duration_minutes=60,
        weekdays=(0,),
        until=date(year, 4, 20),
    )

    series = services.series_create(
        actor=front_desk, plan=plan, trainer=gym.coach, kind="personal", title="Spin"
    )

    sessions = list(series.sessions.order_by("starts_at"))
    local_times = {s.starts_at.astimezone(LONDON).time() for s in sessions}
    utc_hours = [s.starts_at.astimezone(ZoneInfo("UTC")).hour for s in sessions]
    assert local_times == {time(7)}
    assert utc_hours[0] == 7 and utc_hours[-1] == 6  # GMT, then BST


def test_a_series_at_a_time_the_clocks_skip_is_refused_with_the_date(gym, front_desk, settings):
    settings.TIME_ZONE = "Europe/London"
    year = timezone.localdate().year + 1
    last_sunday_march = max(
        date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6
    )
    plan = services.SeriesPlan(
        first_day=last_sunday_march - timedelta(weeks=2),
        start_time=time(1, 30),
        duration_minutes=60,
        weekdays=(6,),
        count=4,
    )

    with pytest.raises(ApplicationError, match="does not exist on") as refused:
        services.series_create(
            actor=front_desk, plan=plan, trainer=gym.coach, kind="personal", title="Late yoga"
        )
    assert refused.value.code == "nonexistent_time"
    assert f"{last_sunday_march:%d %b %Y}" in refused.value.message
    assert not Session.objects.exists() and not Series.objects.exists()


def test_a_series_over_a_thousand_sessions_is_refused(gym, front_desk):
    with pytest.raises(ApplicationError, match="more than 1000 sessions"):
        _series(
            front_desk,
            gym,
            weekdays=tuple(range(7)),
            count=None,
            until=timezone.localdate() + timedelta(days=1100),
        )
    assert not Session.objects.exists()


def test_a_series_needs_an_end(gym, front_desk):
    with pytest.raises(ApplicationError, match="either an end date or a number"):
        _series(front_desk, gym, count=None)


def test_one_conflict_refuses_the_whole_series_and_names_it(gym, front_desk):
    blocker = _next(2, weeks=2)
    SessionFactory(
        trainer=gym.coach,
        title="Assessment",
        starts_at=timezone.make_aware(timezone.datetime.combine(blocker, time(7, 15))),
    )

    with pytest.raises(Conflict, match="Assessment"):
        _series(front_desk, gym, weekdays=(0, 2), count=6)
    assert Session.objects.count() == 1


def _sessions(series_id) -> list[Session]:
    return list(Session.objects.filter(series_id=series_id).order_by("starts_at"))


def test_editing_this_and_the_following_splits_the_series(gym, front_desk):
    series = _series(front_desk, gym, weekdays=(0,), count=5)
    sessions = _sessions(series.pk)
    third = sessions[2]

    services.series_update(
        actor=front_desk, session=third, scope=services.FOLLOWING, start_time=time(8)
    )

    local = [timezone.localtime(s.starts_at).time() for s in Session.objects.order_by("starts_at")]
    assert local == [time(7), time(7), time(8), time(8), time(8)]
    third.refresh_from_db()
    assert third.series_id != series.pk
    assert len(_sessions(series.pk)) == 2
    assert len(_sessions(third.series_id)) == 3
    series.refresh_from_db()
    assert "UNTIL=" in series.rrule


def test_editing_one_occurrence_leaves_the_others(gym, front_desk, room):
    series = _series(front_desk, gym, weekdays=(0,), count=3)
    second = _sessions(series.pk)[1]

    services.series_update(actor=front_desk, session=second, scope=services.THIS, room=room)

    assert [s.room_id for s in _sessions(series.pk)] == [None, room.pk, None]


def test_editing_the_whole_series_never_touches_past_sessions(gym, front_desk):
    series = _series(front_desk, gym, weekdays=(0,), count=4)
    past = _sessions(series.pk)[0]
    Session.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=7),
        ends_at=timezone.now() - timedelta(days=7) + timedelta(minutes=45),
    )
    BookingFactory(session=past, client=gym.member, status=BookingStatus.ATTENDED)

    services.series_update(
        actor=front_desk, session=_sessions(series.pk)[2], scope=services.ALL, capacity=8
    )

    capacities = [s.capacity for s in _sessions(series.pk)]
    assert capacities == [10, 8, 8, 8]
    assert Booking.objects.get().status == BookingStatus.ATTENDED


def test_cancelling_this_and_the_following_ends_the_series(gym, front_desk):
    series = _series(front_desk, gym, weekdays=(0,), count=4)
    sessions = _sessions(series.pk)
    BookingFactory(session=sessions[3], client=gym.member)

    cancelled = services.series_cancel(
        actor=front_desk, session=sessions[2], scope=services.FOLLOWING, reason="Studio works"
    )

    assert len(cancelled) == 2
    assert [s.status for s in _sessions(series.pk)] == [
        "scheduled",
        "scheduled",
        "cancelled",
        "cancelled",
    ]
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_a_series_edit_that_collides_changes_nothing(gym, front_desk):
    series = _series(front_desk, gym, weekdays=(0,), count=3)
    last = _sessions(series.pk)[2]
    SessionFactory(
        trainer=gym.coach,
        title="Blocker",
        starts_at=last.starts_at + timedelta(hours=1),
    )

    with pytest.raises(Conflict, match="Blocker"):
        services.series_update(
            actor=front_desk,
            session=_sessions(series.pk)[0],
            scope=services.ALL,
            start_time=time(8),
        )
    assert {timezone.localtime(s.starts_at).time() for s in _sessions(series.pk)} == {time(7)}


def test_the_periodic_job_completes_sessions_that_have_ended_and_nothing_else(gym):
    ended = SessionFactory(trainer=gym.coach, starts_at=timezone.now() - timedelta(hours=3))
    running = SessionFactory(trainer=gym.coach, starts_at=timezone.now() - timedelta(minutes=30))
    upcoming = SessionFactory(trainer=gym.coach, starts_at=in_days(1))
    cancelled = SessionFactory(
        trainer=gym.other_coach, starts_at=timezone.now() - timedelta(hours=5), status="cancelled"
    )

    assert services.sessions_complete_ended(batch=1) == 1

    statuses = {s.pk: s.status for s in Session.objects.all()}
    assert statuses == {
        ended.pk: "completed",
        running.pk: "scheduled",
        upcoming.pk: "scheduled",
        cancelled.pk: "cancelled",
    }
    assert services.sessions_complete_ended() == 0
