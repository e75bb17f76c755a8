"""Session pages: create one or a weekly series, the detail, edit with series scopes, cancel."""

from datetime import timedelta

import pytest
from django.urls import reverse

from fitnesscrm.scheduling import services
from fitnesscrm.scheduling.models import Kind, Series, Session, SessionStatus
from tests.factories import BookingFactory, ClassSessionFactory, SessionFactory, in_days

pytestmark = pytest.mark.django_db

CREATE = reverse("scheduling:session-create")


def _form(gym, **fields) -> dict:
    day = in_days(2)
    return {
        "kind": Kind.PERSONAL,
        "title": "Strength block",
        "trainer": gym.coach.pk,
        "date": day.date().isoformat(),
        "start_time": "07:00",
        "duration_minutes": "60",
        **fields,
    }


def _series(owner, gym, *, count=4, weekday=None, **kwargs) -> list[Session]:
    first = in_days(1)
    plan = services.SeriesPlan(
        first_day=first.date(),
        start_time=first.replace(hour=7).time(),
        duration_minutes=60,
        weekdays=(first.weekday() if weekday is None else weekday,),
        count=count,
    )
    series = services.series_create(
        actor=owner, plan=plan, trainer=gym.coach, kind=Kind.PERSONAL, title="Bootcamp", **kwargs
    )
    return list(series.sessions.order_by("starts_at"))


def test_the_form_offers_a_trainer_only_themselves(login, trainer, gym):
    response = login(trainer).get(CREATE)

    assert response.status_code == 200
    assert gym.coach.name in response.text
    assert gym.other_coach.name not in response.text


def test_one_session_is_created_at_the_local_time_typed(login, owner, gym, settings):
    settings.TIME_ZONE = "Europe/London"

    response = login(owner).post(CREATE, _form(gym))

    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:session-detail", args=[session.pk])
    assert session.starts_at == in_days(2, 7)
    assert session.duration == timedelta(hours=1)


def test_a_class_takes_its_length_capacity_and_title_from_the_class_type(
    login, owner, gym, spin, room
):
    login(owner).post(
        CREATE,
        _form(
            gym,
            kind=Kind.CLASS,
            class_type=spin.pk,
            room=room.pk,
            title="",
            duration_minutes="",
        ),
    )

    session = Session.objects.get()
    assert (session.title, session.capacity) == ("Spin", 12)
    assert session.duration == timedelta(minutes=45)
    assert session.location == room.location


def test_an_online_session_keeps_its_video_link(login, owner, gym):
    login(owner).post(CREATE, _form(gym, video_url="https://meet.example.test/abc"))

    assert Session.objects.get().video_url == "https://meet.example.test/abc"


def test_a_form_with_errors_shows_them_at_the_field_and_keeps_what_was_typed(login, owner, gym):
    response = login(owner).post(CREATE, _form(gym, date="", title="Keep this title"))

    assert response.status_code == 400
    assert Session.objects.count() == 0
    assert 'id="id_date_error"' in response.text
    assert 'value="Keep this title"' in response.text
    assert 'value="07:00"' in response.text


def test_a_class_without_a_class_type_is_refused_at_that_field(login, owner, gym):
    response = login(owner).post(CREATE, _form(gym, kind=Kind.CLASS))

    assert response.status_code == 400
    assert 'id="id_class_type_error"' in response.text
    assert "Choose the class type." in response.text


def test_a_conflict_is_shown_at_the_trainer_and_nothing_is_created(login, owner, gym):
    SessionFactory(trainer=gym.coach, title="Already here", starts_at=in_days(2, 7, 30))

    response = login(owner).post(CREATE, _form(gym))

    assert response.status_code == 400
    assert Session.objects.count() == 1
    assert 'id="id_trainer_error"' in response.text
    assert "Already here" in response.text


def test_a_weekly_series_is_created_on_the_chosen_weekdays(login, owner, gym):
    first = in_days(1)
    days = [first.weekday(), (first.weekday() + 2) % 7]

    response = login(owner).post(
        CREATE, _form(gym, date=first.date().isoformat(), repeat="on", weekdays=days, count="6")
    )

    assert response.status_code == 302
    sessions = list(Session.objects.order_by("starts_at"))
    assert len(sessions) == 6
    assert Series.objects.count() == 1
    assert {s.starts_at.weekday() for s in sessions} == set(days)
    assert all(s.starts_at.hour == 7 for s in sessions)


def test_a_series_needs_weekdays_and_an_end(login, owner, gym):
    response = login(owner).post(CREATE, _form(gym, repeat="on"))

    assert response.status_code == 400
    assert 'id="id_weekdays_error"' in response.text
    assert 'id="id_until_error"' in response.text
    assert Session.objects.count() == 0


def test_a_series_over_a_conflict_is_refused_whole(login, owner, gym):
    first = in_days(1)
    SessionFactory(trainer=gym.coach, title="In the way", starts_at=in_days(15, 7))

    response = login(owner).post(
        CREATE,
        _form(gym, date=first.date().isoformat(), repeat="on", weekdays=[first.weekday()],
              count="4"),
    )  # fmt: skip

    assert response.status_code == 400
    assert "In the way" in response.text
    assert Session.objects.count() == 1


# --- Detail --------------------------------------------------------------------------------


def test_the_detail_shows_time_trainer_room_and_seats(login, front_desk, gym, room):
    session = ClassSessionFactory(
        trainer=gym.coach, room=room, capacity=10, starts_at=in_days(1, 7)
    )
    BookingFactory(session=session, client=gym.member)

    response = login(front_desk).get(reverse("scheduling:session-detail", args=[session.pk]))

    assert response.status_code == 200
    text = response.text
    assert gym.coach.name in text and "Studio A" in text
    assert 'data-testid="seats-left">9<' in text
    assert gym.member.full_name in text


def test_another_trainer_sees_the_session_but_not_who_is_booked_nor_any_button(
    login, gym, client_user
):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    BookingFactory(session=session, client=gym.member)

    response = login(gym.other_coach.user).get(
        reverse("scheduling:session-detail", args=[session.pk])
    )

    assert response.status_code == 200
    assert gym.member.full_name not in response.text
    assert "edit-session" not in response.text
    assert "book-form" not in response.text


# --- Edit and series scopes ----------------------------------------------------------------


def _edit(session) -> str:
    return reverse("scheduling:session-edit", args=[session.pk])


def _edit_form(session, **fields) -> dict:
    start = session.starts_at
    return {
        "title": session.title,
        "trainer": session.trainer_id,
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "duration_minutes": int(session.duration.total_seconds() // 60),
        "capacity": session.capacity,
        **fields,
    }


def test_rescheduling_one_session_moves_it(login, owner, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))

    response = login(owner).post(
        _edit(session), _edit_form(session, start_time="08:15", duration_minutes="45")
    )

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == in_days(1, 8, 15)
    assert session.duration == timedelta(minutes=45)


def test_a_reschedule_onto_a_conflict_shows_it_and_changes_nothing(login, owner, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    SessionFactory(trainer=gym.coach, title="Busy hour", starts_at=in_days(1, 9))

    response = login(owner).post(_edit(session), _edit_form(session, start_time="09:30"))

    assert response.status_code == 400
    assert "Busy hour" in response.text
    assert 'value="09:30"' in response.text
    session.refresh_from_db()
    assert session.starts_at == in_days(1, 7)


def test_editing_this_and_the_following_leaves_earlier_sessions_alone(login, owner, gym):
    sessions = _series(owner, gym, count=4)
    third = sessions[2]

    response = login(owner).post(
        _edit(third), _edit_form(third, start_time="08:00", scope="following")
    )

    assert response.status_code == 302
    hours = [s.starts_at.hour for s in Session.objects.order_by("starts_at")]
    assert hours == [7, 7, 8, 8]


def test_editing_all_changes_every_future_session_of_the_series(login, owner, gym):
    sessions = _series(owner, gym, count=3)

    login(owner).post(
        _edit(sessions[1]), _edit_form(sessions[1], title="Bootcamp plus", scope="all")
    )

    assert set(Session.objects.values_list("title", flat=True)) == {"Bootcamp plus"}


def test_editing_this_one_of_a_series_changes_only_it(login, owner, gym):
    sessions = _series(owner, gym, count=3)

    login(owner).post(
        _edit(sessions[1]), _edit_form(sessions[1], title="Special edition", scope="this")
    )

    titles = list(Session.objects.order_by("starts_at").values_list("title", flat=True))
    assert titles == ["Bootcamp", "Special edition", "Bootcamp"]


def test_moving_several_series_sessions_to_another_day_is_refused_at_the_date(login, owner, gym):
    sessions = _series(owner, gym, count=3)
    other_day = (sessions[0].starts_at + timedelta(days=1)).date().isoformat()

    response = login(owner).post(
        _edit(sessions[0]), _edit_form(sessions[0], date=other_day, scope="all")
    )

    assert response.status_code == 400
    assert 'id="id_date_error"' in response.text


def test_another_trainer_may_not_open_the_edit_page(login, gym):
    session = SessionFactory(trainer=gym.coach)

    assert login(gym.other_coach.user).get(_edit(session)).status_code == 403


# --- Cancel --------------------------------------------------------------------------------


def test_cancelling_a_session_keeps_the_reason_and_cancels_its_bookings(login, owner, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    booking = BookingFactory(session=session, client=gym.member)

    response = login(owner).post(
        reverse("scheduling:session-cancel", args=[session.pk]), {"reason": "Instructor ill"}
    )

    assert response.status_code == 302
    session.refresh_from_db()
    booking.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert session.cancel_reason == "Instructor ill"
    assert booking.status == "cancelled"


def test_cancelling_this_and_the_following_keeps_the_earlier_ones(login, owner, gym):
    sessions = _series(owner, gym, count=4)

    login(owner).post(
        reverse("scheduling:session-cancel", args=[sessions[1].pk]),
        {"scope": "following", "reason": "Summer break"},
    )

    statuses = list(Session.objects.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["scheduled", "cancelled", "cancelled", "cancelled"]


def test_the_cancel_page_asks_for_the_scope_only_for_a_series(login, owner, gym):
    single = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 7))
    in_series = _series(owner, gym, count=2)[0]
    browser = login(owner)

    assert "scope" not in browser.get(reverse("scheduling:session-cancel", args=[single.pk])).text
    page = browser.get(reverse("scheduling:session-cancel", args=[in_series.pk])).text
    assert "This and the following sessions" in page
