"""The calendar page, its JSON events, dragging to reschedule, and the plain list of sessions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.scheduling import services
from fitnesscrm.scheduling.models import Session, SessionStatus
from tests.factories import (
    ClassSessionFactory,
    RoomFactory,
    SessionFactory,
    TrainerFactory,
    in_days,
)

pytestmark = pytest.mark.django_db

EVENTS = reverse("scheduling:events")
LIST = reverse("scheduling:session-list")


def _week() -> dict:
    return {"start": in_days(0, 0).isoformat(), "end": in_days(7, 0).isoformat()}


def _move(session) -> str:
    return reverse("scheduling:session-move", args=[session.pk])


def test_the_calendar_page_allows_only_its_own_styles_by_a_nonce(login, owner):
    response = login(owner).get(reverse("scheduling:calendar"))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    style = next(part for part in policy.split(";") if "style-src" in part)
    nonce = style.split("'nonce-")[1].split("'")[0]
    assert "unsafe-inline" not in policy
    assert f'<meta name="csp-nonce" content="{nonce}">' in response.text
    assert "fullcalendar-6.1.19/index.global.min.js" in response.text


def test_other_pages_keep_the_strict_style_policy(login, owner):
    response = login(owner).get(LIST)

    assert "nonce" not in response["Content-Security-Policy"]


def test_events_come_in_local_wall_clock_time_with_the_class_colour(login, owner, gym, settings):
    settings.TIME_ZONE = "America/New_York"
    session = ClassSessionFactory(
        trainer=gym.coach, starts_at=in_days(1, 7), class_type__colour="#aa3300"
    )

    events = login(owner).get(EVENTS, _week()).json()

    (event,) = events
    assert event["id"] == str(session.pk)
    assert event["start"].endswith("T07:00:00")
    assert event["backgroundColor"] == "#aa3300"
    assert event["url"] == reverse("scheduling:session-detail", args=[session.pk])
    assert event["extendedProps"]["seats"] == "0/12"


def test_a_personal_session_takes_its_trainers_colour(login, owner, gym):
    gym.coach.colour = "#123456"
    gym.coach.save()
    SessionFactory(trainer=gym.coach)

    (event,) = login(owner).get(EVENTS, _week()).json()

    assert event["backgroundColor"] == "#123456"


def test_a_cancelled_session_is_marked_to_be_struck_and_cannot_be_dragged(login, owner, gym):
    SessionFactory(trainer=gym.coach, status=SessionStatus.CANCELLED)

    (event,) = login(owner).get(EVENTS, _week()).json()

    assert "fc-session-cancelled" in event["classNames"]
    assert event["editable"] is False


def test_events_are_filtered_by_trainer_room_and_location(login, owner, gym):
    room = RoomFactory()
    in_room = ClassSessionFactory(trainer=gym.coach, room=room, starts_at=in_days(1, 7))
    other = SessionFactory(trainer=gym.other_coach, starts_at=in_days(1, 9))
    browser = login(owner)

    def ids(**query):
        return {int(e["id"]) for e in browser.get(EVENTS, {**_week(), **query}).json()}

    assert ids() == {in_room.pk, other.pk}
    assert ids(trainer=gym.other_coach.pk) == {other.pk}
    assert ids(room=room.pk) == {in_room.pk}
    assert ids(location=room.location_id) == {in_room.pk}


def test_a_trainer_may_drag_only_their_own_sessions(login, trainer, gym):
    SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    SessionFactory(trainer=gym.other_coach, starts_at=in_days(1, 9))

    events = login(trainer).get(EVENTS, _week()).json()

    assert sorted(e["editable"] for e in events) == [False, True]


def test_events_refuse_a_missing_or_too_long_range(login, owner):
    browser = login(owner)

    missing = browser.get(EVENTS)
    too_long = browser.get(
        EVENTS, {"start": in_days(0, 0).isoformat(), "end": in_days(90, 0).isoformat()}
    )

    assert missing.status_code == 400
    assert missing.json()["code"] == "invalid_range"
    assert too_long.status_code == 400
    assert "62 days" in too_long.json()["detail"]


def test_the_events_take_the_same_number_of_queries_for_3_or_40_sessions(
    login, owner, gym, django_assert_max_num_queries
):
    browser = login(owner)
    for hour in (6, 8, 10):
        ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, hour))
    with django_assert_max_num_queries(6):
        assert len(browser.get(EVENTS, _week()).json()) == 3

    for day in range(1, 6):
        for hour in range(6, 14):
            ClassSessionFactory(trainer=gym.other_coach, starts_at=in_days(day, hour))
    with django_assert_max_num_queries(6):
        assert len(browser.get(EVENTS, _week()).json()) == 43


# --- Dragging ------------------------------------------------------------------------------


def test_dragging_to_a_free_slot_moves_the_session_and_keeps_its_length(login, owner, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    target = in_days(2, 10)

    response = login(owner).post(
        _move(session),
        {"start": f"{target.date()}T10:00:00Z", "end": f"{target.date()}T11:00:00Z"},
    )

    assert response.status_code == 200
    assert "moved to" in response.json()["detail"]
    session.refresh_from_db()
    assert session.starts_at == target
    assert session.ends_at == target + timedelta(hours=1)


def test_resizing_changes_the_end(login, owner, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    day = session.starts_at.date()

    login(owner).post(_move(session), {"start": f"{day}T07:00:00", "end": f"{day}T08:30:00"})

    session.refresh_from_db()
    assert session.duration == timedelta(minutes=90)


def test_dragging_onto_the_trainers_other_session_is_refused_with_what_it_collides_with(
    login, owner, gym
):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    SessionFactory(trainer=gym.coach, title="Strength block", starts_at=in_days(1, 10))
    day = session.starts_at.date()

    response = login(owner).post(
        _move(session), {"start": f"{day}T10:30:00", "end": f"{day}T11:30:00"}
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "schedule_conflict"
    assert "Strength block" in body["detail"]
    session.refresh_from_db()
    assert session.starts_at == in_days(1, 7)


def test_dragging_a_series_session_moves_that_occurrence_only(login, owner, gym):
    plan = services.SeriesPlan(
        first_day=in_days(1).date(),
        start_time=in_days(1, 7).time(),
        duration_minutes=60,
        weekdays=tuple({(in_days(1).weekday())}),
        count=3,
    )
    series = services.series_create(actor=owner, plan=plan, trainer=gym.coach, title="Bootcamp",
                                    kind="personal")  # fmt: skip
    first, second, third = series.sessions.order_by("starts_at")
    day = first.starts_at.date()

    response = login(owner).post(
        _move(first), {"start": f"{day}T09:00:00", "end": f"{day}T10:00:00"}
    )

    assert response.status_code == 200
    first.refresh_from_db()
    assert first.starts_at == in_days(1, 9)
    assert [s.starts_at for s in Session.objects.filter(pk__in=[second.pk, third.pk])] == [
        second.starts_at,
        third.starts_at,
    ]


def test_a_trainer_cannot_drag_another_trainers_session(login, trainer, gym):
    session = SessionFactory(trainer=gym.other_coach, starts_at=in_days(1, 7))
    day = session.starts_at.date()

    response = login(trainer).post(
        _move(session), {"start": f"{day}T09:00:00", "end": f"{day}T10:00:00"}
    )

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.starts_at == in_days(1, 7)


def test_dragging_into_the_past_is_refused(login, owner, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    day = (timezone.localdate() - timedelta(days=2)).isoformat()

    response = login(owner).post(
        _move(session), {"start": f"{day}T09:00:00", "end": f"{day}T10:00:00"}
    )

    assert response.status_code == 400
    assert "past" in response.json()["detail"]


# --- The list ------------------------------------------------------------------------------


def test_the_list_shows_the_weeks_sessions_without_javascript(login, front_desk, gym):
    ClassSessionFactory(trainer=gym.coach, title="Spin at dawn", starts_at=in_days(1, 6))
    SessionFactory(trainer=gym.coach, title="Far away", starts_at=in_days(20, 6))

    response = login(front_desk).get(LIST)

    assert response.status_code == 200
    assert "Spin at dawn" in response.text
    assert "Far away" not in response.text
    assert "<script" not in response.text.split("<main", 1)[1]


def test_the_list_hides_cancelled_sessions_unless_asked(login, owner, gym):
    SessionFactory(trainer=gym.coach, title="Called off", status=SessionStatus.CANCELLED)
    browser = login(owner)

    assert "Called off" not in browser.get(LIST).text
    assert "Called off" in browser.get(LIST, {"cancelled": "on"}).text


def test_the_list_filters_by_trainer_and_dates(login, owner, gym):
    SessionFactory(trainer=gym.coach, title="Coach session", starts_at=in_days(1, 7))
    SessionFactory(trainer=gym.other_coach, title="Other session", starts_at=in_days(10, 7))
    browser = login(owner)
    later = {"start": in_days(9).date().isoformat(), "end": in_days(11).date().isoformat()}

    assert "Other session" not in browser.get(LIST, {"trainer": gym.coach.pk}).text
    page = browser.get(LIST, later).text
    assert "Other session" in page and "Coach session" not in page


def test_the_list_is_paginated_with_a_constant_number_of_queries(
    login, owner, gym, django_assert_max_num_queries
):
    browser = login(owner)
    SessionFactory(trainer=gym.coach, starts_at=in_days(1, 6))
    with django_assert_max_num_queries(14):
        assert browser.get(LIST).status_code == 200

    trainers = [TrainerFactory() for _ in range(3)]
    for day in range(1, 7):
        for trainer in trainers:
            for hour in range(6, 10):
                SessionFactory(trainer=trainer, starts_at=in_days(day, hour))
    with django_assert_max_num_queries(14):
        response = browser.get(LIST)
    assert "73 sessions" in response.text
    assert "Page 1 of 2" in response.text
