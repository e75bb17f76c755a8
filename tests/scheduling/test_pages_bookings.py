"""Booking from a session's page, the waitlist, cancellations under the late-cancel rule,
check-in one by one and for everyone, no-shows and undo, and a client's history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.scheduling.models import Booking, BookingStatus, SchedulingSettings
from tests.factories import BookingFactory, ClassSessionFactory, MemberFactory, in_days

pytestmark = pytest.mark.django_db


def _detail(session) -> str:
    return reverse("scheduling:session-detail", args=[session.pk])


def _book(browser, session, client):
    return browser.post(
        reverse("scheduling:booking-add", args=[session.pk]), {"client": client.pk}, follow=True
    )


def _soon(gym, minutes: int, **kwargs):
    """A class that starts `minutes` from now (negative: it has started)."""
    start = timezone.now() + timedelta(minutes=minutes)
    return ClassSessionFactory(
        trainer=gym.coach, starts_at=start, ends_at=start + timedelta(hours=1), **kwargs
    )


def test_the_desk_books_a_client_and_sees_them_in_the_list(login, front_desk, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))

    response = _book(login(front_desk), session, gym.member)

    assert Booking.objects.get().status == BookingStatus.BOOKED
    assert f"{gym.member.full_name} booked." in response.text
    assert 'data-testid="attendee"' in response.text


def test_a_full_session_puts_the_client_on_the_waitlist_and_says_so(login, front_desk, gym):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1, starts_at=in_days(1, 7))
    BookingFactory(session=session, client=gym.stranger)

    response = _book(login(front_desk), session, gym.member)

    assert "number 1 on the waitlist" in response.text
    assert 'data-testid="waitlist"' in response.text


def test_an_overlapping_booking_is_booked_with_a_warning(login, front_desk, gym):
    first = ClassSessionFactory(trainer=gym.other_coach, title="Yoga", starts_at=in_days(1, 7))
    BookingFactory(session=first, client=gym.member)
    second = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7, 30))

    response = _book(login(front_desk), second, gym.member)

    assert Booking.objects.filter(session=second).exists()
    assert "also booked into “Yoga”" in response.text


def test_booking_the_same_client_twice_is_refused_at_the_client_field(login, front_desk, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    BookingFactory(session=session, client=gym.member)

    response = _book(login(front_desk), session, gym.member)

    assert response.status_code == 400
    assert "Already booked." in response.text
    assert Booking.objects.count() == 1


def test_a_trainers_picker_offers_only_their_clients(login, trainer, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))

    page = login(trainer).get(_detail(session)).text

    assert gym.member.full_name in page
    assert gym.stranger.full_name not in page


def test_a_trainer_cannot_book_a_client_they_do_not_coach(login, trainer, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))

    response = _book(login(trainer), session, gym.stranger)

    assert response.status_code == 400
    assert "Choose one of the clients you may book." in response.text
    assert gym.stranger.full_name not in response.text
    assert not Booking.objects.exists()


def test_the_picker_searches_clients_and_answers_htmx_with_the_fragment(login, front_desk, gym):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 7))
    for n in range(25):
        MemberFactory(first_name=f"Zed{n}", last_name="Filler")

    response = login(front_desk).get(
        _detail(session), {"q": "Stranger", "picker": "1"}, headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith("<form")
    assert gym.stranger.full_name in response.text
    assert "Zed1 Filler" not in response.text


def test_cancelling_inside_the_window_is_recorded_late_and_the_rule_is_shown(
    login, front_desk, gym
):
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"late_cancel_hours": 12})
    session = _soon(gym, 120)
    booking = BookingFactory(session=session, client=gym.member)
    browser = login(front_desk)

    page = browser.get(_detail(session)).text
    browser.post(reverse("scheduling:booking-cancel", args=[booking.pk]))

    assert "less than 12 hours before the start" in page
    assert "cancelling a booking now counts as late" in page
    booking.refresh_from_db()
    assert booking.status == BookingStatus.LATE_CANCELLED


def test_staff_may_waive_the_late_cancel(login, front_desk, gym):
    booking = BookingFactory(session=_soon(gym, 120), client=gym.member)

    login(front_desk).post(
        reverse("scheduling:booking-cancel", args=[booking.pk]), {"waive_late": "1"}
    )

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_check_in_one_by_one_then_undo(login, trainer, gym):
    booking = BookingFactory(session=_soon(gym, 30), client=gym.member)
    browser = login(trainer)
    url = reverse("scheduling:booking-attendance", args=[booking.pk])

    response = browser.post(url, {"status": "attended"}, follow=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ATTENDED
    assert "checked in" in response.text
    assert 'data-testid="undo"' in response.text

    browser.post(url, {"status": "booked"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_check_in_before_it_opens_is_refused_with_the_reason(login, trainer, gym):
    booking = BookingFactory(session=_soon(gym, 300), client=gym.member)

    response = login(trainer).post(
        reverse("scheduling:booking-attendance", args=[booking.pk]),
        {"status": "attended"},
        follow=True,
    )

    assert "Check-in opens an hour before the start." in response.text
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_check_in_all_checks_in_everyone_booked(login, front_desk, gym):
    session = _soon(gym, 10)
    for client in (gym.member, gym.stranger, gym.outsider_record):
        BookingFactory(session=session, client=client)

    response = login(front_desk).post(
        reverse("scheduling:check-in-all", args=[session.pk]), follow=True
    )

    assert "3 checked in." in response.text
    assert set(session.bookings.values_list("status", flat=True)) == {BookingStatus.ATTENDED}


def test_a_no_show_is_recorded_once_the_session_has_started(login, front_desk, gym):
    booking = BookingFactory(session=_soon(gym, -10), client=gym.member)

    response = login(front_desk).post(
        reverse("scheduling:booking-attendance", args=[booking.pk]),
        {"status": "no_show"},
        follow=True,
    )

    assert "marked as a no-show" in response.text
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW


def test_another_trainer_cannot_check_in_a_client_they_cannot_see(login, gym):
    booking = BookingFactory(session=_soon(gym, 10), client=gym.member)

    response = login(gym.other_coach.user).post(
        reverse("scheduling:booking-attendance", args=[booking.pk]), {"status": "attended"}
    )

    assert response.status_code == 404


# --- The client's record -------------------------------------------------------------------


def test_the_client_page_shows_attendance_and_bookings(login, owner, gym):
    statuses = (BookingStatus.ATTENDED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
    for days_ago, status in enumerate(statuses, start=2):
        BookingFactory(session=_soon(gym, -60 * 24 * days_ago), client=gym.member, status=status)
    BookingFactory(
        session=ClassSessionFactory(trainer=gym.coach, title="Next spin", starts_at=in_days(2, 7)),
        client=gym.member,
    )

    page = login(owner).get(reverse("clients:detail", args=[gym.member.pk])).text

    assert 'data-testid="attendance-rate">67%<' in page
    assert 'data-testid="no-shows">1<' in page
    assert "Next spin" in page
    assert page.count("No-show") >= 1


def test_another_trainer_sees_no_booking_of_a_client_on_any_page(login, gym):
    session = ClassSessionFactory(trainer=gym.coach, title="Private hour", starts_at=in_days(2, 7))
    BookingFactory(session=session, client=gym.member)

    page = login(gym.other_coach.user).get(_detail(session)).text

    assert gym.member.full_name not in page
