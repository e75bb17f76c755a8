"""/api/v1/sessions, /api/v1/bookings and the class types, locations and rooms behind them."""

import json
import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.core import tasks as core_tasks
from fitnesscrm.core.models import IdempotentRequest
from fitnesscrm.periodic import PERIODIC_JOBS
from fitnesscrm.scheduling.models import (
    Booking,
    BookingStatus,
    ClassType,
    Room,
    Series,
    Session,
    SessionStatus,
)
from tests.api.test_errors import assert_api_error
from tests.factories import (
    AssignmentFactory,
    BookingFactory,
    ClassSessionFactory,
    ClassTypeFactory,
    LocationFactory,
    MemberFactory,
    RoomFactory,
    SessionFactory,
    UserFactory,
    build_gym,
    in_days,
)

SESSIONS = "/api/v1/sessions"
BOOKINGS = "/api/v1/bookings"


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def send(http, method: str, url: str, data=None, **extra):
    body = json.dumps(data) if data is not None else ""
    return getattr(http, method)(url, body, content_type="application/json", **extra)


def fields_of(body: dict) -> list[str]:
    return [error["field"] for error in body["errors"]]


def utc_of(text: str) -> datetime:
    """A time from a response: ISO 8601 with an offset, and that offset is UTC."""
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() == timedelta(0), text
    return moment


def week(start=None) -> dict:
    start = start or in_days(-1, 0)
    return {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()}


def in_minutes(minutes: int) -> datetime:
    return timezone.now().replace(microsecond=0) + timedelta(minutes=minutes)


def spring_forward() -> date:
    """The next Sunday the clocks go forward in Europe/London, at least three weeks away."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        day = date(year, 3, 31)
        while day.weekday() != 6:
            day -= timedelta(days=1)
        if day - timedelta(days=21) > today:
            return day
    raise AssertionError("unreachable")


# --- Creating sessions -------------------------------------------------------------------------


def test_the_desk_schedules_a_session_and_gets_it_back_in_utc(front_desk, login, gym):
    starts = in_days(3, 10).astimezone(timezone.get_fixed_timezone(60))
    response = send(
        login(front_desk),
        "post",
        SESSIONS,
        {"trainer": gym.coach.pk, "starts_at": starts.isoformat()},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert utc_of(body["starts_at"]) == starts
    assert utc_of(body["ends_at"]) == starts + timedelta(hours=1)
    assert body["trainer"] == {"id": gym.coach.pk, "name": gym.coach.name}
    assert (body["kind"], body["status"], body["capacity"]) == ("personal", "scheduled", 1)
    assert Session.objects.get(pk=body["id"]).starts_at == starts


def test_a_trainer_schedules_their_own_session_without_naming_themselves(trainer, login, gym):
    response = send(login(trainer), "post", SESSIONS, {"starts_at": in_days(3, 10).isoformat()})
    assert response.status_code == 201, response.content
    assert response.json()["trainer"]["id"] == gym.coach.pk


def test_a_class_takes_its_title_length_and_capacity_from_its_class_type(owner, login, gym):
    spin = ClassTypeFactory(name="Spin", duration_minutes=45, capacity=12)
    room = RoomFactory(capacity=8, location__name="Main studio")
    data = {
        "kind": "class",
        "trainer": gym.coach.pk,
        "class_type": spin.pk,
        "room": room.pk,
        "starts_at": in_days(2, 18).isoformat(),
    }
    body = send(login(owner), "post", SESSIONS, data).json()

    assert body["title"] == "Spin"
    assert utc_of(body["ends_at"]) - utc_of(body["starts_at"]) == timedelta(minutes=45)
    # The room holds fewer than the class type's default.
    assert body["capacity"] == 8
    assert body["location"] == {"id": room.location_id, "name": "Main studio"}
    assert body["class_type"] == {"id": spin.pk, "name": "Spin", "colour": spin.colour}


def test_a_time_without_an_offset_is_read_in_the_business_time_zone(owner, login, gym, settings):
    settings.TIME_ZONE = "Europe/London"
    day = timezone.localdate() + timedelta(days=3)
    body = send(
        login(owner), "post", SESSIONS, {"trainer": gym.coach.pk, "starts_at": f"{day}T07:00:00"}
    ).json()
    local = timezone.localtime(utc_of(body["starts_at"]))
    assert (local.date(), local.hour, local.minute) == (day, 7, 0)


def test_an_end_before_the_start_answers_422_naming_ends_at(owner, login, gym):
    data = {
        "trainer": gym.coach.pk,
        "starts_at": in_days(3, 10).isoformat(),
        "ends_at": in_days(3, 9).isoformat(),
    }
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 422, "validation_error")
    assert fields_of(body) == ["ends_at"]
    assert "after the start" in body["errors"][0]["message"]
    assert not Session.objects.exists()


def test_a_session_longer_than_24_hours_answers_422(owner, login, gym):
    data = {
        "trainer": gym.coach.pk,
        "starts_at": in_days(3, 10).isoformat(),
        "ends_at": in_days(4, 11).isoformat(),
    }
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 422, "validation_error")
    assert fields_of(body) == ["ends_at"]
    assert "24 hours" in body["errors"][0]["message"]


def test_a_class_without_a_class_type_answers_422_naming_it(owner, login, gym):
    data = {"kind": "class", "trainer": gym.coach.pk, "starts_at": in_days(3, 10).isoformat()}
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 422, "validation_error")
    assert "class_type" in fields_of(body)


@pytest.mark.parametrize(
    ("field", "value"), [("kind", "yoga"), ("capacity", 0), ("video_url", "javascript:x")]
)
def test_a_bad_value_answers_422_naming_the_field(owner, login, gym, field, value):
    data = {"trainer": gym.coach.pk, "starts_at": in_days(3, 10).isoformat(), field: value}
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 422, "validation_error")
    assert fields_of(body) == [field]


def test_an_unknown_trainer_or_room_answers_404_naming_the_field(owner, login, gym):
    http = login(owner)
    data = {"trainer": 987654, "starts_at": in_days(3, 10).isoformat()}
    body = assert_api_error(send(http, "post", SESSIONS, data), 404, "not_found")
    assert fields_of(body) == ["trainer"]
    data = {"trainer": gym.coach.pk, "room": 987654, "starts_at": in_days(3, 10).isoformat()}
    body = assert_api_error(send(http, "post", SESSIONS, data), 404, "not_found")
    assert fields_of(body) == ["room"]


def test_a_clash_answers_409_with_the_session_it_collides_with(owner, login, gym):
    taken = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 10), title="Taken")
    data = {"trainer": gym.coach.pk, "starts_at": in_days(3, 10, 30).isoformat()}

    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 409, "schedule_conflict")

    assert "Taken" in body["detail"]
    [clash] = body["errors"]
    assert (clash["field"], clash["session_id"]) == ("trainer", taken.pk)
    assert utc_of(clash["starts_at"]) == taken.starts_at
    assert utc_of(clash["ends_at"]) == taken.ends_at
    assert Session.objects.count() == 1


def test_a_room_clash_names_the_room(owner, login, gym):
    taken = ClassSessionFactory(trainer=gym.other_coach, starts_at=in_days(3, 18))
    data = {"trainer": gym.coach.pk, "room": taken.room_id, "starts_at": in_days(3, 18).isoformat()}
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 409, "schedule_conflict")
    assert [(e["field"], e["session_id"]) for e in body["errors"]] == [("room", taken.pk)]


# --- Weekly series ---------------------------------------------------------------------------


def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(owner, login, gym, settings):
    settings.TIME_ZONE = "Europe/London"
    change = spring_forward()
    first = change - timedelta(days=7)
    data = {
        "trainer": gym.coach.pk,
        "starts_at": f"{first}T07:00:00",
        "ends_at": f"{first}T07:45:00",
        "repeat": {"weekdays": [6], "count": 3},
    }
    response = send(login(owner), "post", SESSIONS, data)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["count"] == 3
    series = body["series"]
    assert (series["first_day"], series["start_time"]) == (str(first), "07:00:00")
    assert (series["time_zone"], series["duration_minutes"]) == ("Europe/London", 45)
    starts = [utc_of(s["starts_at"]) for s in body["sessions"]]
    # 07:00 in winter is 07:00 UTC; after the change it is 06:00 UTC.
    assert [(s.date(), s.hour) for s in starts] == [
        (first, 7),
        (change, 6),
        (change + timedelta(days=7), 6),
    ]
    assert {s["series_id"] for s in body["sessions"]} == {series["id"]}


def test_a_series_at_a_local_time_the_clocks_skip_is_refused_naming_the_date(
    owner, login, gym, settings
):
    settings.TIME_ZONE = "Europe/London"
    change = spring_forward()
    data = {
        "trainer": gym.coach.pk,
        "starts_at": f"{change - timedelta(days=7)}T01:30:00",
        "repeat": {"weekdays": [6], "count": 3},
    }
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 400, "nonexistent_time")

    assert change.strftime("%d %b %Y") in body["detail"]
    assert fields_of(body) == ["starts_at"]
    assert not Series.objects.exists() and not Session.objects.exists()


def test_a_single_session_at_a_local_time_the_clocks_skip_is_refused(owner, login, gym, settings):
    settings.TIME_ZONE = "Europe/London"
    data = {"trainer": gym.coach.pk, "starts_at": f"{spring_forward()}T01:30:00"}
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 400, "nonexistent_time")
    assert fields_of(body) == ["starts_at"]


def test_a_series_of_more_than_1000_sessions_is_refused_and_nothing_is_written(owner, login, gym):
    start = in_days(7, 6)
    data = {
        "trainer": gym.coach.pk,
        "starts_at": start.isoformat(),
        "repeat": {
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
            "until": str(start.date().replace(year=start.year + 3)),
        },
    }
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 400, "too_many_occurrences")
    assert "1000" in body["detail"]
    assert fields_of(body) == ["repeat.until"]
    assert not Series.objects.exists() and not Session.objects.exists()


@pytest.mark.parametrize(
    ("repeat", "field"),
    [
        ({"weekdays": [1], "count": 1001}, "repeat.count"),
        ({"weekdays": [1]}, "repeat.until"),
        ({"weekdays": [7], "count": 2}, "repeat.weekdays"),
    ],
)
def test_a_bad_repeat_answers_422_naming_the_field(owner, login, gym, repeat, field):
    data = {"trainer": gym.coach.pk, "starts_at": in_days(7, 6).isoformat(), "repeat": repeat}
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 422, "validation_error")
    assert fields_of(body) == [field]


def test_a_series_with_one_clash_is_refused_whole_listing_the_clash(owner, login, gym):
    taken = SessionFactory(trainer=gym.coach, starts_at=in_days(14, 7))
    data = {
        "trainer": gym.coach.pk,
        "starts_at": in_days(7, 7).isoformat(),
        "repeat": {"weekdays": [in_days(7, 7).weekday()], "count": 3},
    }
    body = assert_api_error(send(login(owner), "post", SESSIONS, data), 409, "schedule_conflict")
    assert [e["session_id"] for e in body["errors"]] == [taken.pk]
    assert Session.objects.count() == 1


def _series(http, gym, *, count=4) -> list[dict]:
    first = in_days(7, 7)
    data = {
        "trainer": gym.coach.pk,
        "starts_at": first.isoformat(),
        "repeat": {"weekdays": [first.weekday()], "count": count},
    }
    response = send(http, "post", SESSIONS, data)
    assert response.status_code == 201, response.content
    return response.json()["sessions"]


# --- Listing ------------------------------------------------------------------------------------


def test_the_list_needs_a_start_and_an_end(owner, login):
    body = assert_api_error(login(owner).get(SESSIONS), 422, "validation_error")
    assert sorted(fields_of(body)) == ["end", "start"]


def test_a_range_longer_than_the_limit_answers_422_naming_end(owner, login):
    start = in_days(0, 0)
    query = {"start": start.isoformat(), "end": (start + timedelta(days=63)).isoformat()}
    body = assert_api_error(login(owner).get(SESSIONS, query), 422, "validation_error")
    assert fields_of(body) == ["end"]
    assert body["errors"][0]["location"] == "query"
    assert "62 days" in body["detail"]


def test_a_range_that_ends_before_it_starts_answers_422(owner, login):
    query = {"start": in_days(2, 0).isoformat(), "end": in_days(1, 0).isoformat()}
    body = assert_api_error(login(owner).get(SESSIONS, query), 422, "validation_error")
    assert fields_of(body) == ["end"]


def test_the_list_gives_the_sessions_that_overlap_the_range_in_start_order(owner, login, gym):
    later = SessionFactory(trainer=gym.coach, starts_at=in_days(2, 9))
    sooner = SessionFactory(trainer=gym.coach, starts_at=in_days(1, 9))
    SessionFactory(trainer=gym.coach, starts_at=in_days(20, 9))
    body = login(owner).get(SESSIONS, week()).json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [sooner.pk, later.pk]


def test_the_list_filters_by_trainer_client_room_location_and_kind(owner, login, gym):
    spin = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 18))
    personal = SessionFactory(trainer=gym.other_coach, starts_at=in_days(1, 9))
    BookingFactory(session=personal, client=gym.stranger)
    http = login(owner)

    def ids(**filters):
        response = http.get(SESSIONS, {**week(), **filters})
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(trainer=gym.other_coach.pk) == [personal.pk]
    assert ids(client=gym.stranger.pk) == [personal.pk]
    assert ids(room=spin.room_id) == [spin.pk]
    assert ids(location=spin.location_id) == [spin.pk]
    assert ids(kind="class") == [spin.pk]
    assert ids(kind="personal") == [personal.pk]


def test_a_client_sees_the_classes_and_their_own_sessions_only(client_user, login, gym):
    spin = ClassSessionFactory(trainer=gym.other_coach, starts_at=in_days(1, 18))
    mine = SessionFactory(trainer=gym.coach, starts_at=in_days(2, 9))
    BookingFactory(session=mine, client=gym.member)
    theirs = SessionFactory(trainer=gym.other_coach, starts_at=in_days(2, 9))
    BookingFactory(session=theirs, client=gym.stranger)
    items = login(client_user).get(SESSIONS, week()).json()["items"]
    assert [item["id"] for item in items] == [spin.pk, mine.pk]


def test_a_video_link_is_shown_to_staff_and_to_clients_booked_in(
    owner, client_user, outsider, login, gym
):
    online = ClassSessionFactory(
        trainer=gym.coach, room=None, starts_at=in_days(1, 18), video_url="https://meet.example/x"
    )
    BookingFactory(session=online, client=gym.member)
    for user, link in [(owner, online.video_url), (client_user, online.video_url), (outsider, "")]:
        body = login(user).get(f"{SESSIONS}/{online.pk}").json()
        assert body["video_url"] == link
        [item] = login(user).get(SESSIONS, week()).json()["items"]
        assert item["video_url"] == link


def _queries(http, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url, params)
        assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["owner", "client_user"])
def test_the_list_costs_the_same_queries_for_2_and_20_sessions(role, request, login, gym):
    http = login(request.getfixturevalue(role))

    made = []

    def add(n):
        for _ in range(n):
            i = len(made)
            made.append(
                ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1 + i % 5, 6 + i // 5))
            )
            BookingFactory(session=made[-1], client=gym.member)

    add(2)
    few = _queries(http, SESSIONS, {**week(), "limit": 100})
    add(18)
    assert _queries(http, SESSIONS, {**week(), "limit": 100}) == few


# --- Changing and cancelling ---------------------------------------------------------------------


def test_moving_a_session_keeps_its_length(owner, login, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 9))
    moved = in_days(3, 15)
    body = send(
        login(owner), "patch", f"{SESSIONS}/{session.pk}", {"starts_at": moved.isoformat()}
    ).json()
    assert utc_of(body["starts_at"]) == moved
    assert utc_of(body["ends_at"]) == moved + timedelta(hours=1)
    assert body["sequence"] == 1


def test_moving_onto_another_session_answers_409_and_changes_nothing(owner, login, gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 9))
    taken = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 15))
    response = send(
        login(owner), "patch", f"{SESSIONS}/{session.pk}", {"starts_at": in_days(3, 15).isoformat()}
    )
    body = assert_api_error(response, 409, "schedule_conflict")
    assert body["errors"][0]["session_id"] == taken.pk
    session.refresh_from_db()
    assert session.starts_at == in_days(3, 9)


def test_a_patch_changes_only_the_fields_sent_and_null_clears_the_room(owner, login, gym):
    room = RoomFactory()
    session = SessionFactory(trainer=gym.coach, room=room, starts_at=in_days(3, 9))
    http = login(owner)
    body = send(http, "patch", f"{SESSIONS}/{session.pk}", {"title": "Rehab"}).json()
    assert (body["title"], body["room"]["id"]) == ("Rehab", room.pk)
    body = send(http, "patch", f"{SESSIONS}/{session.pk}", {"room": None}).json()
    assert body["room"] is None and body["title"] == "Rehab"


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "trainer", "capacity"])
def test_a_null_for_a_required_field_answers_422_naming_it(owner, login, gym, field):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 9))
    response = send(login(owner), "patch", f"{SESSIONS}/{session.pk}", {field: None})
    assert fields_of(assert_api_error(response, 422, "validation_error")) == [field]


def test_a_cancelled_session_cannot_be_changed(owner, login, gym):
    session = SessionFactory(trainer=gym.coach, status=SessionStatus.CANCELLED)
    response = send(login(owner), "patch", f"{SESSIONS}/{session.pk}", {"title": "Again"})
    assert_api_error(response, 400, "not_scheduled")


def test_a_new_start_time_for_this_and_the_following_leaves_earlier_sessions(owner, login, gym):
    http = login(owner)
    sessions = _series(http, gym)
    response = send(
        http,
        "patch",
        f"{SESSIONS}/{sessions[1]['id']}",
        {"start_time": "08:30", "scope": "following"},
    )
    assert response.status_code == 200, response.content
    hours = [
        timezone.localtime(Session.objects.get(pk=s["id"]).starts_at).strftime("%H:%M")
        for s in sessions
    ]
    assert hours == ["07:00", "08:30", "08:30", "08:30"]
    assert response.json()["starts_at"].startswith(str(in_days(14, 8).date()))


def test_a_series_edit_cannot_move_sessions_to_another_day(owner, login, gym):
    http = login(owner)
    sessions = _series(http, gym)
    data = {"starts_at": in_days(8, 7).isoformat(), "scope": "all"}
    body = assert_api_error(
        send(http, "patch", f"{SESSIONS}/{sessions[0]['id']}", data), 422, "validation_error"
    )
    assert fields_of(body) == ["starts_at"]


def test_cancelling_a_session_cancels_its_bookings(owner, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    booking = BookingFactory(session=session, client=gym.member)
    response = send(
        login(owner), "post", f"{SESSIONS}/{session.pk}/cancel", {"reason": "Instructor ill"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "Instructor ill")
    utc_of(body["cancelled_at"])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_cancelling_all_of_a_series_cancels_every_future_session(owner, login, gym):
    http = login(owner)
    sessions = _series(http, gym)
    response = send(http, "post", f"{SESSIONS}/{sessions[2]['id']}/cancel", {"scope": "all"})
    assert response.status_code == 200, response.content
    statuses = set(
        Session.objects.filter(pk__in=[s["id"] for s in sessions]).values_list("status", flat=True)
    )
    assert statuses == {SessionStatus.CANCELLED}


def test_an_unknown_scope_answers_422(owner, login, gym):
    session = SessionFactory(trainer=gym.coach)
    response = send(login(owner), "post", f"{SESSIONS}/{session.pk}/cancel", {"scope": "some"})
    assert fields_of(assert_api_error(response, 422, "validation_error")) == ["scope"]


# --- Booking -----------------------------------------------------------------------------------


def book(http, session, client=None, **extra_body):
    data = {"session_id": session.pk, **extra_body}
    if client is not None:
        data["client_id"] = client.pk
    headers = {}
    if "key" in data:
        headers["HTTP_IDEMPOTENCY_KEY"] = data.pop("key")
    return send(http, "post", BOOKINGS, data, **headers)


def test_the_desk_books_a_client_and_gets_the_booking_back(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=3)
    response = book(login(front_desk), session, gym.member)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["waitlist_position"], body["warnings"]) == ("booked", None, [])
    assert body["client"] == {"id": gym.member.pk, "full_name": "Cleo Member"}
    assert (body["session"]["id"], body["source"]) == (session.pk, "api")
    utc_of(body["session"]["starts_at"])
    session.refresh_from_db()
    assert session.booked_count == 1


def test_a_full_class_puts_the_client_on_the_waitlist_with_their_place(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1)
    BookingFactory(session=session)
    http = login(front_desk)
    first = book(http, session, gym.member).json()
    second = book(http, session, gym.stranger).json()
    assert (first["status"], first["waitlist_position"]) == ("waitlisted", 1)
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 2)


def test_a_full_class_without_the_waitlist_answers_409_and_books_nobody(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1)
    BookingFactory(session=session)
    response = book(login(front_desk), session, gym.member, waitlist=False)
    body = assert_api_error(response, 409, "session_full")
    assert fields_of(body) == ["session_id"]
    assert Booking.objects.filter(session=session).count() == 1


def test_booking_the_same_client_twice_answers_409(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    existing = BookingFactory(session=session, client=gym.member)
    body = assert_api_error(book(login(front_desk), session, gym.member), 409, "already_booked")
    assert body["errors"][0]["booking_id"] == existing.pk
    assert fields_of(body) == ["client_id"]


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ({"status": SessionStatus.CANCELLED}, "session_cancelled"),
        ({"starts_at": in_days(-1, 9)}, "session_started"),
    ],
)
def test_a_cancelled_or_past_session_cannot_be_booked(front_desk, login, gym, state, code):
    session = ClassSessionFactory(trainer=gym.coach, **state)
    assert_api_error(book(login(front_desk), session, gym.member), 400, code)
    assert not Booking.objects.exists()


def test_a_client_books_themselves_without_naming_the_client(client_user, login, gym):
    session = ClassSessionFactory(trainer=gym.other_coach)
    body = book(login(client_user), session).json()
    assert (body["client"]["id"], body["status"]) == (gym.member.pk, "booked")


def test_a_client_booking_someone_else_answers_403_and_books_nobody(client_user, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    body = assert_api_error(book(login(client_user), session, gym.stranger), 403, "not_yourself")
    assert "yourself" in body["detail"]
    assert fields_of(body) == ["client_id"]
    assert not Booking.objects.exists()


def test_staff_must_name_the_client(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    body = assert_api_error(book(login(front_desk), session), 422, "validation_error")
    assert fields_of(body) == ["client_id"]


def test_a_session_the_client_cannot_see_answers_404_naming_it(client_user, login, gym):
    personal = SessionFactory(trainer=gym.other_coach)
    body = assert_api_error(book(login(client_user), personal), 404, "not_found")
    assert fields_of(body) == ["session_id"]


def test_an_overlapping_booking_is_made_with_a_warning(front_desk, login, gym):
    BookingFactory(session=SessionFactory(trainer=gym.other_coach, title="PT"), client=gym.member)
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 9, 30))
    body = book(login(front_desk), session, gym.member).json()
    assert body["status"] == "booked"
    assert len(body["warnings"]) == 1 and "PT" in body["warnings"][0]


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_the_same_key_and_body_answer_the_first_result_and_book_once(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    http = login(front_desk)
    first = book(http, session, gym.member, key="abc-123")
    again = book(http, session, gym.member, key="abc-123")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(session=session).count() == 1


def test_a_refusal_is_answered_again_for_the_same_key(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1)
    BookingFactory(session=session)
    http = login(front_desk)
    first = book(http, session, gym.member, waitlist=False, key="full-1")
    Booking.objects.filter(session=session).update(status=BookingStatus.CANCELLED)
    Session.objects.filter(pk=session.pk).update(booked_count=0)
    again = book(http, session, gym.member, waitlist=False, key="full-1")
    assert (first.status_code, again.status_code) == (409, 409)
    assert again.json() == first.json()


def test_the_same_key_with_another_body_answers_422_and_books_nothing(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    http = login(front_desk)
    assert book(http, session, gym.member, key="k1").status_code == 201
    response = book(http, session, gym.stranger, key="k1")
    body = assert_api_error(response, 422, "idempotency_key_reused")
    assert fields_of(body) == ["Idempotency-Key"]
    assert Booking.objects.filter(session=session).count() == 1


def test_another_user_may_use_the_same_key(front_desk, manager, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    assert book(login(front_desk), session, gym.member, key="same").status_code == 201
    assert book(login(manager), session, gym.stranger, key="same").status_code == 201
    assert Booking.objects.filter(session=session).count() == 2


def test_a_key_longer_than_255_characters_answers_400(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    response = book(login(front_desk), session, gym.member, key="k" * 256)
    body = assert_api_error(response, 400, "idempotency_key_too_long")
    assert fields_of(body) == ["Idempotency-Key"]
    assert not Booking.objects.exists() and not IdempotentRequest.objects.exists()
    assert book(login(front_desk), session, gym.member, key="k" * 255).status_code == 201


def test_keys_older_than_24_hours_are_deleted_by_a_periodic_job(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    book(login(front_desk), session, gym.member, key="old")
    book(login(front_desk), session, gym.stranger, key="new")
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert core_tasks.idempotency_keys_prune.call() == 1

    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    job = {job.task: job for job in PERIODIC_JOBS}["fitnesscrm.core.tasks.idempotency_keys_prune"]
    assert job.every <= timedelta(hours=24)


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_once_book_once_and_get_the_same_answer():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    desk = UserFactory(role="front_desk")
    session = ClassSessionFactory()
    member = MemberFactory()
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def run(i):
        http = HttpClient()
        http.force_login(desk)
        try:
            barrier.wait()
            answers[i] = book(http, session, member, key="race")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    # One did the booking; the other waited for it on the key and repeated its answer.
    assert sorted(a.has_header("Idempotent-Replayed") for a in answers) == [False, True]
    assert Booking.objects.filter(session=session).count() == 1
    assert IdempotentRequest.objects.count() == 1


# --- Who is booked, and a caller's bookings -----------------------------------------------------


def test_a_session_lists_seats_then_the_waitlist_in_order(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1)
    http = login(front_desk)
    for client in (gym.member, gym.stranger, gym.outsider_record):
        book(http, session, client)
    items = http.get(f"{SESSIONS}/{session.pk}/bookings").json()["items"]
    assert [(i["client"]["id"], i["status"], i["waitlist_position"]) for i in items] == [
        (gym.member.pk, "booked", None),
        (gym.stranger.pk, "waitlisted", 1),
        (gym.outsider_record.pk, "waitlisted", 2),
    ]


def test_a_client_sees_only_their_own_booking_with_its_place(front_desk, client_user, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1)
    http = login(front_desk)
    for client in (gym.stranger, gym.outsider_record, gym.member):
        book(http, session, client)
    body = login(client_user).get(f"{SESSIONS}/{session.pk}/bookings").json()
    assert body["count"] == 1
    [mine] = body["items"]
    assert (mine["client"]["id"], mine["waitlist_position"]) == (gym.member.pk, 2)


def test_the_bookings_of_a_session_cost_the_same_queries_for_2_and_20(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=10)
    http = login(front_desk)

    def add(n):
        for _ in range(n):
            status = BookingStatus.BOOKED if session.booked_count < 10 else BookingStatus.WAITLISTED
            BookingFactory(session=session, status=status)
            session.refresh_from_db()

    add(2)
    few = _queries(http, f"{SESSIONS}/{session.pk}/bookings", {"limit": 100})
    add(18)
    assert _queries(http, f"{SESSIONS}/{session.pk}/bookings", {"limit": 100}) == few


def test_my_bookings_filter_by_client_session_and_status(front_desk, login, gym):
    spin = ClassSessionFactory(trainer=gym.coach, capacity=1)
    mine = BookingFactory(session=spin, client=gym.member)
    waiting = BookingFactory(session=spin, client=gym.stranger, status=BookingStatus.WAITLISTED)
    other = BookingFactory(client=gym.member, status=BookingStatus.CANCELLED)
    http = login(front_desk)

    def ids(**filters):
        return [item["id"] for item in http.get(BOOKINGS, filters).json()["items"]]

    assert set(ids(client=gym.member.pk)) == {mine.pk, other.pk}
    assert set(ids(session=spin.pk)) == {mine.pk, waiting.pk}
    assert ids(status="waitlisted") == [waiting.pk]
    body = assert_api_error(http.get(BOOKINGS, {"status": "lost"}), 422, "validation_error")
    assert fields_of(body) == ["status"]


def test_a_trainer_sees_the_bookings_of_their_sessions_and_of_their_clients(trainer, login, gym):
    own_session = BookingFactory(session=ClassSessionFactory(trainer=gym.coach))
    own_client = BookingFactory(
        session=SessionFactory(trainer=gym.other_coach, starts_at=in_days(2, 9)), client=gym.member
    )
    BookingFactory(
        session=SessionFactory(trainer=gym.other_coach, starts_at=in_days(3, 9)),
        client=gym.stranger,
    )
    ids = {item["id"] for item in login(trainer).get(BOOKINGS).json()["items"]}
    assert ids == {own_session.pk, own_client.pk}


@pytest.mark.parametrize("role", ["front_desk", "trainer", "client_user"])
def test_the_bookings_list_costs_the_same_queries_for_2_and_20(role, request, login, gym):
    http = login(request.getfixturevalue(role))
    AssignmentFactory(trainer=gym.coach)

    made = []

    def add(n):
        for _ in range(n):
            made.append(ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1 + len(made), 9)))
            session = made[-1]
            BookingFactory(session=session, client=gym.member)
            BookingFactory(session=session, status=BookingStatus.WAITLISTED)

    add(1)
    few = _queries(http, BOOKINGS, {"limit": 100})
    add(9)
    assert _queries(http, BOOKINGS, {"limit": 100}) == few


def test_one_booking_reads_as_in_the_list(client_user, login, gym):
    booking = BookingFactory(session=ClassSessionFactory(trainer=gym.coach), client=gym.member)
    http = login(client_user)
    body = http.get(f"{BOOKINGS}/{booking.pk}").json()
    assert body == http.get(BOOKINGS).json()["items"][0]


# --- Cancelling and checking in ----------------------------------------------------------------


def test_a_client_cancelling_late_is_recorded_as_a_late_cancel(client_user, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_minutes(120))
    booking = BookingFactory(session=session, client=gym.member)
    response = send(
        login(client_user), "post", f"{BOOKINGS}/{booking.pk}/cancel", {"waive_late": True}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "late_cancelled"


def test_staff_may_waive_the_late_cancel_and_the_waitlist_moves_up(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1, starts_at=in_minutes(120))
    booking = BookingFactory(session=session, client=gym.member)
    waiting = BookingFactory(session=session, client=gym.stranger, status=BookingStatus.WAITLISTED)
    http = login(front_desk)
    body = send(http, "post", f"{BOOKINGS}/{booking.pk}/cancel", {"waive_late": True}).json()
    assert body["status"] == "cancelled"
    assert http.get(f"{BOOKINGS}/{waiting.pk}").json()["status"] == "booked"


def test_cancelling_twice_answers_400(front_desk, login, gym):
    booking = BookingFactory(session=ClassSessionFactory(trainer=gym.coach), client=gym.member)
    http = login(front_desk)
    # No body at all is the same as an empty one.
    assert send(http, "post", f"{BOOKINGS}/{booking.pk}/cancel").status_code == 200
    response = send(http, "post", f"{BOOKINGS}/{booking.pk}/cancel", {})
    assert_api_error(response, 400, "not_cancellable")


def test_the_desk_checks_a_client_in_once_check_in_opens(front_desk, login, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_minutes(30))
    booking = BookingFactory(session=session, client=gym.member)
    response = send(login(front_desk), "post", f"{BOOKINGS}/{booking.pk}/check-in", {})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "attended"
    utc_of(body["checked_in_at"])


def test_check_in_before_it_opens_and_an_early_no_show_answer_400(front_desk, login, gym):
    booking = BookingFactory(session=ClassSessionFactory(trainer=gym.coach), client=gym.member)
    http = login(front_desk)
    url = f"{BOOKINGS}/{booking.pk}/check-in"
    assert_api_error(send(http, "post", url, {}), 400, "too_early")
    assert_api_error(send(http, "post", url, {"status": "no_show"}), 400, "too_early")
    body = assert_api_error(send(http, "post", url, {"status": "late"}), 422, "validation_error")
    assert fields_of(body) == ["status"]


def test_a_no_show_is_recorded_after_the_start_and_can_be_undone(trainer, login, gym):
    session = ClassSessionFactory(
        trainer=gym.coach, starts_at=in_minutes(-10), ends_at=in_minutes(50)
    )
    booking = BookingFactory(session=session, client=gym.member)
    http = login(trainer)
    url = f"{BOOKINGS}/{booking.pk}/check-in"
    assert send(http, "post", url, {"status": "no_show"}).json()["status"] == "no_show"
    assert send(http, "post", url, {"status": "booked"}).json()["status"] == "booked"


# --- Class types, locations, rooms --------------------------------------------------------------


def test_a_manager_adds_and_changes_a_class_type(manager, login):
    http = login(manager)
    response = send(http, "post", "/api/v1/class-types", {"name": "Yoga", "capacity": 15})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["duration_minutes"], created["capacity"]) == ("Yoga", 60, 15)
    body = send(http, "patch", f"/api/v1/class-types/{created['id']}", {"is_active": False}).json()
    assert body["is_active"] is False
    assert http.get("/api/v1/class-types").json()["count"] == 0
    assert http.get("/api/v1/class-types", {"include_inactive": True}).json()["count"] == 1


def test_a_class_type_name_in_use_answers_409_and_a_bad_colour_422(manager, login):
    ClassTypeFactory(name="Yoga")
    http = login(manager)
    body = assert_api_error(
        send(http, "post", "/api/v1/class-types", {"name": "YOGA"}), 409, "duplicate"
    )
    assert fields_of(body) == ["name"]
    response = send(http, "post", "/api/v1/class-types", {"name": "Pilates", "colour": "red"})
    assert fields_of(assert_api_error(response, 422, "validation_error")) == ["colour"]


def test_a_manager_adds_a_location_and_a_room_in_it(manager, login):
    http = login(manager)
    location = send(http, "post", "/api/v1/locations", {"name": "North", "address": "1 Road"})
    assert location.status_code == 201, location.content
    location_id = location.json()["id"]
    room = send(
        http, "post", "/api/v1/rooms", {"location": location_id, "name": "Studio", "capacity": 20}
    )
    assert room.status_code == 201, room.content
    assert room.json()["location"] == {"id": location_id, "name": "North"}
    body = send(http, "patch", f"/api/v1/rooms/{room.json()['id']}", {"capacity": 25}).json()
    assert body["capacity"] == 25
    assert Room.objects.get().capacity == 25


def test_a_room_for_an_unknown_location_answers_404_naming_it(manager, login):
    data = {"location": 987654, "name": "Studio", "capacity": 20}
    body = assert_api_error(send(login(manager), "post", "/api/v1/rooms", data), 404, "not_found")
    assert fields_of(body) == ["location"]


def test_rooms_filter_by_location(client_user, login, db):
    north = RoomFactory(location__name="North")
    RoomFactory(location__name="South")
    items = login(client_user).get("/api/v1/rooms", {"location": north.location_id}).json()["items"]
    assert [item["id"] for item in items] == [north.pk]


@pytest.mark.parametrize("path", ["class-types", "locations", "rooms"])
def test_the_setup_lists_cost_the_same_queries_for_2_and_20(path, client_user, login):
    http = login(client_user)

    def add(n):
        for _ in range(n):
            RoomFactory()
            ClassTypeFactory()

    add(2)
    few = _queries(http, f"/api/v1/{path}", {"limit": 100})
    add(18)
    assert _queries(http, f"/api/v1/{path}", {"limit": 100}) == few


def test_anonymous_callers_get_401_for_the_setup_lists(db):
    for path in ("class-types", "locations", "rooms"):
        assert_api_error(HttpClient().get(f"/api/v1/{path}"), 401, "not_authenticated")


def test_a_location_patch_with_a_name_in_use_answers_409(manager, login):
    LocationFactory(name="North")
    south = LocationFactory(name="South")
    response = send(login(manager), "patch", f"/api/v1/locations/{south.pk}", {"name": "north"})
    assert fields_of(assert_api_error(response, 409, "duplicate")) == ["name"]


def test_the_class_types_are_the_ones_the_sessions_use(client_user, login, gym):
    session = ClassSessionFactory(trainer=gym.coach)
    body = login(client_user).get(f"/api/v1/class-types/{session.class_type_id}").json()
    assert body["id"] == ClassType.objects.get().pk == session.class_type_id
