"""Calendar feeds: what Google, Apple and Outlook read from a trainer's or a client's address."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.scheduling import services
from fitnesscrm.scheduling.feeds import UID_DOMAIN
from fitnesscrm.scheduling.models import BookingStatus, CalendarFeed
from tests.factories import (
    BookingFactory,
    ClassSessionFactory,
    MemberFactory,
    SessionFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


def _trainer_feed(gym) -> CalendarFeed:
    return services.calendar_feed_get_or_create(actor=gym.coach.user, trainer=gym.coach)


def _client_feed(gym) -> CalendarFeed:
    return services.calendar_feed_get_or_create(actor=gym.member.user, client=gym.member)


def _url(feed: CalendarFeed) -> str:
    return reverse("feeds:feed", args=[feed.token])


def _fetch(feed: CalendarFeed, **headers):
    """As a calendar server asks: no cookie, no session."""
    return Browser().get(_url(feed), **headers)


def _events(response) -> dict:
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _event(response, session):
    return _events(response)[f"{session.uid}@{UID_DOMAIN}"]


# --- What a trainer's feed holds ----------------------------------------------------------


def test_a_trainers_feed_lists_their_sessions_as_events_that_round_trip(gym, room, spin):
    spin_class = ClassSessionFactory(
        trainer=gym.coach, room=room, class_type=spin, starts_at=in_days(2, 7), capacity=12
    )
    BookingFactory(session=spin_class, client=gym.stranger)
    online = SessionFactory(
        trainer=gym.coach,
        title="Mobility",
        video_url="https://meet.example.test/mobility",
        starts_at=in_days(3, 18, 30),
    )
    BookingFactory(session=online, client=gym.member)
    SessionFactory(trainer=gym.other_coach, title="Not theirs", starts_at=in_days(2, 7))
    SessionFactory(trainer=gym.coach, title="Too old", starts_at=in_days(-90))

    response = _fetch(_trainer_feed(gym))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]).endswith(gym.coach.name)
    assert calendar["refresh-interval"].dt == timedelta(hours=1)
    assert "METHOD" not in calendar
    events = _events(response)
    assert len(events) == 2
    event = _event(response, spin_class)
    assert event.decoded("dtstart") == spin_class.starts_at.astimezone(UTC)
    assert event.decoded("dtend") == spin_class.ends_at.astimezone(UTC)
    assert event.decoded("dtstart").tzinfo is not None
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content  # UTC, no TZID
    assert event["sequence"] == 0
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["summary"]) == "Spin"
    assert str(event["location"]) == "Studio A, Main studio, 1 High Street"
    assert "1 of 12 places booked" in str(event["description"])
    assert "Sam" not in str(event["description"])  # class members are not named
    personal = _event(response, online)
    assert str(personal["summary"]) == "Mobility with Cleo Member"
    assert str(personal["url"]) == "https://meet.example.test/mobility"
    assert "https://meet.example.test/mobility" in str(personal["description"])
    assert personal["last-modified"] and personal["dtstamp"]


def test_the_uid_does_not_depend_on_the_address_the_feed_is_read_at(gym, settings):
    session = SessionFactory(trainer=gym.coach)
    settings.ALLOWED_HOSTS = ["testserver", "crm.example.test"]
    feed = _trainer_feed(gym)

    here = _event(_fetch(feed), session)
    there = _event(_fetch(feed, HTTP_HOST="crm.example.test"), session)

    assert str(here["uid"]) == str(there["uid"]) == f"{session.uid}@{UID_DOMAIN}"


def test_rescheduling_a_session_moves_it_under_the_same_uid_with_a_higher_sequence(gym, trainer):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(4, 9))
    feed = _trainer_feed(gym)
    before = _fetch(feed)

    services.session_update(actor=trainer, session=session, starts_at=in_days(5, 11))

    after = _fetch(feed)
    session.refresh_from_db()
    old, new = _event(before, session), _event(after, session)
    assert str(old["uid"]) == str(new["uid"])
    assert new["sequence"] == old["sequence"] + 1
    assert new.decoded("dtstart") == in_days(5, 11).astimezone(UTC)
    assert before["ETag"] != after["ETag"]


def test_a_cancelled_session_stays_in_the_feed_as_cancelled(gym, trainer):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(4, 9))
    BookingFactory(session=session, client=gym.member)
    trainer_feed, client_feed = _trainer_feed(gym), _client_feed(gym)

    services.session_cancel(actor=trainer, session=session, reason="Coach is ill")

    for feed in (trainer_feed, client_feed):
        event = _event(_fetch(feed), session)
        assert str(event["status"]) == "CANCELLED"
        assert event["sequence"] >= 1
        assert "Coach is ill" in str(event["description"])


def test_long_lines_are_folded_and_unfold_to_the_whole_text(gym):
    description = "Bring a towel and water. " * 30
    session = SessionFactory(trainer=gym.coach, description=description.strip())

    response = _fetch(_trainer_feed(gym))

    lines = response.content.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # continuation lines
    assert description.strip() in str(_event(response, session)["description"])


# --- What a client's feed holds -----------------------------------------------------------


def test_a_clients_feed_holds_their_bookings_only(gym, front_desk, room):
    mine = ClassSessionFactory(trainer=gym.coach, room=room, starts_at=in_days(2, 7))
    theirs = ClassSessionFactory(trainer=gym.coach, room=room, starts_at=in_days(2, 9))
    services.booking_create(actor=front_desk, session=mine, client=gym.member)
    services.booking_create(actor=front_desk, session=theirs, client=gym.stranger)

    events = _events(_fetch(_client_feed(gym)))

    assert list(events) == [f"{mine.uid}@{UID_DOMAIN}"]
    event = events[f"{mine.uid}@{UID_DOMAIN}"]
    assert str(event["status"]) == "CONFIRMED"
    assert f"With {gym.coach.name}." in str(event["description"])


def test_a_cancelled_booking_shows_as_cancelled_and_a_new_booking_raises_the_sequence_again(
    gym, front_desk
):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(5, 7))
    feed = _client_feed(gym)
    first = services.booking_create(actor=front_desk, session=session, client=gym.member)
    booked = _event(_fetch(feed), session)

    services.booking_cancel(actor=front_desk, booking=first.booking)
    cancelled = _event(_fetch(feed), session)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    rebooked = _event(_fetch(feed), session)

    assert str(booked["status"]) == "CONFIRMED"
    assert str(cancelled["status"]) == "CANCELLED"
    assert str(rebooked["status"]) == "CONFIRMED"
    assert booked["sequence"] < cancelled["sequence"] < rebooked["sequence"]


def test_a_place_on_the_waitlist_is_tentative_until_promoted(gym, front_desk):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1, starts_at=in_days(5, 7))
    seat = services.booking_create(actor=front_desk, session=session, client=gym.stranger)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    feed = _client_feed(gym)
    waiting = _event(_fetch(feed), session)

    services.booking_cancel(actor=front_desk, booking=seat.booking)
    promoted = _event(_fetch(feed), session)

    assert str(waiting["status"]) == "TENTATIVE"
    assert str(waiting["summary"]).startswith("Waitlist:")
    assert str(promoted["status"]) == "CONFIRMED"
    assert promoted["sequence"] > waiting["sequence"]


# --- HTTP: caching, errors, cost ---------------------------------------------------------


def test_an_unchanged_feed_answers_304_to_its_etag_and_200_once_it_changes(gym, trainer):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3))
    feed = _trainer_feed(gym)
    first = _fetch(feed)
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first["Last-Modified"]
    assert "private" in first["Cache-Control"]

    again = _fetch(feed, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    services.session_update(actor=trainer, session=session, title="Strength")
    changed = _fetch(feed, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_feed_needs_no_sign_in_and_sets_no_cookie(gym):
    response = _fetch(_trainer_feed(gym))

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.parametrize("token", ["not-a-real-token-but-long-enough", "short", "a.b"])
def test_an_unknown_or_malformed_token_is_not_found(db, token):
    assert Browser().get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_of_an_inactive_trainer_or_an_archived_client_is_not_found(gym):
    trainer_feed, client_feed = _trainer_feed(gym), _client_feed(gym)
    gym.coach.is_active = False
    gym.coach.save(update_fields=["is_active"])
    gym.member.archived_at = timezone.now()
    gym.member.save(update_fields=["archived_at"])

    assert _fetch(trainer_feed).status_code == 404
    assert _fetch(client_feed).status_code == 404


def test_the_feed_costs_the_same_queries_for_two_sessions_as_for_forty(gym, room):
    feed = _trainer_feed(gym)
    client_feed = _client_feed(gym)

    def count(which) -> int:
        CalendarFeed.objects.update(last_fetched_at=None)
        with CaptureQueriesContext(connection) as queries:
            assert _fetch(which).status_code == 200
        return len(queries)

    for day in range(2):
        BookingFactory(session=SessionFactory(trainer=gym.coach, starts_at=in_days(day + 1)),
                       client=gym.member)  # fmt: skip
    few = count(feed), count(client_feed)
    for day in range(40):
        session = ClassSessionFactory(trainer=gym.coach, room=room, starts_at=in_days(day + 3, 7))
        BookingFactory(session=session, client=gym.member)
        BookingFactory(session=session, client=MemberFactory())
    many = count(feed), count(client_feed)

    assert few == many
    assert max(many) <= 4


def test_the_last_fetch_is_recorded_at_most_once_a_minute(gym):
    feed = _trainer_feed(gym)
    _fetch(feed)
    feed.refresh_from_db()
    first = feed.last_fetched_at
    assert first is not None

    _fetch(feed)
    feed.refresh_from_db()
    assert feed.last_fetched_at == first

    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=first - timedelta(minutes=2))
    _fetch(feed)
    feed.refresh_from_db()
    assert feed.last_fetched_at > first - timedelta(minutes=2)


# --- The pages that show and rotate the address --------------------------------------------


def test_a_trainer_sees_their_feed_address_and_rotating_it_retires_the_old_one(gym, trainer, login):
    SessionFactory(trainer=gym.coach)
    browser = login(trainer)
    page = browser.get(reverse("feeds:trainer", args=[gym.coach.pk]))
    assert page.status_code == 200
    feed = CalendarFeed.objects.get(trainer=gym.coach)
    assert f"http://testserver/calendar/{feed.token}.ics" in page.content.decode()
    assert f"webcal://testserver/calendar/{feed.token}.ics" in page.content.decode()
    old_url = _url(feed)

    response = browser.post(reverse("feeds:trainer-rotate", args=[gym.coach.pk]))

    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.rotated_at is not None
    assert Browser().get(old_url).status_code == 404
    assert _fetch(feed).status_code == 200
    assert feed.token in browser.get(response["Location"]).content.decode()
    actions = list(
        AuditEntry.objects.filter(object_type="scheduling.calendarfeed")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["calendar_feed.create", "calendar_feed.rotate"]


def test_a_manager_opens_any_trainers_feed_and_the_look_is_audited(gym, manager, login):
    response = login(manager).get(reverse("feeds:trainer", args=[gym.other_coach.pk]))

    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="calendar_feed.create", actor=manager).exists()
    login(manager).get(reverse("feeds:trainer", args=[gym.other_coach.pk]))
    assert AuditEntry.objects.filter(action="calendar_feed.view", actor=manager).exists()


def test_another_trainer_and_the_front_desk_cannot_see_a_trainers_feed(gym, front_desk, login):
    url = reverse("feeds:trainer", args=[gym.coach.pk])

    assert login(gym.other_coach.user).get(url).status_code == 403
    assert login(front_desk).get(url).status_code == 403
    assert login(front_desk).post(f"{url}rotate/").status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_client_finds_their_feed_from_the_portal_home_and_rotates_it(gym, client_user, login):
    browser = login(client_user)
    home = browser.get(reverse("home-client")).content.decode()
    assert reverse("feeds:portal") in home

    page = browser.get(reverse("feeds:portal"))
    feed = CalendarFeed.objects.get(client=gym.member)
    assert feed.token in page.content.decode()

    browser.post(reverse("feeds:portal-rotate"))
    old_token = feed.token
    feed.refresh_from_db()
    assert feed.token != old_token
    assert Browser().get(f"/calendar/{old_token}.ics").status_code == 404


def test_the_trainer_profile_links_to_the_feed_for_the_trainer_and_management_only(
    gym, trainer, manager, front_desk, login
):
    url = reverse("trainers:detail", args=[gym.coach.pk])
    feed_url = reverse("feeds:trainer", args=[gym.coach.pk])

    assert feed_url in login(trainer).get(url).content.decode()
    assert feed_url in login(manager).get(url).content.decode()
    assert feed_url not in login(front_desk).get(url).content.decode()


def test_a_client_without_a_record_is_told_so(client_user, login):
    page = login(client_user).get(reverse("feeds:portal"))

    assert page.status_code == 200
    assert "not linked to a membership" in page.content.decode()
    assert not CalendarFeed.objects.exists()


def test_a_missed_session_stays_confirmed_in_the_clients_calendar(gym):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(-2))
    BookingFactory(session=session, client=gym.member, status=BookingStatus.NO_SHOW)

    assert str(_event(_fetch(_client_feed(gym)), session)["status"]) == "CONFIRMED"
