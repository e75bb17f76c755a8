"""The client's schedule in the portal, and the staff pages of working hours and time off."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from fitnesscrm.scheduling.models import (
    Booking,
    BookingSource,
    BookingStatus,
    SchedulingSettings,
    Session,
    TimeOff,
    WorkingHours,
)
from tests.factories import (
    BookingFactory,
    ClassSessionFactory,
    ClassTypeFactory,
    MemberFactory,
    SessionFactory,
    in_days,
)

pytestmark = pytest.mark.django_db

TIMETABLE = "/portal/schedule/"
BOOK = "/portal/schedule/book/"
BOOKINGS = "/portal/schedule/bookings/"
CANCEL = "/portal/schedule/bookings/cancel/"
TRAINER = "/portal/schedule/trainer/"
TRAINER_BOOK = "/portal/schedule/trainer/book/"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client, url, data=None):
    return client.post(url, data or {}, follow=True)


# --- The class timetable ----------------------------------------------------------------------


def test_the_timetable_shows_this_weeks_classes_with_seats_left_and_not_who_booked(
    gym, login, client_user
):
    spin = ClassSessionFactory(
        trainer=gym.coach, title="Spin", capacity=10, starts_at=in_days(1, 7)
    )
    BookingFactory(session=spin, client=gym.stranger)
    SessionFactory(trainer=gym.other_coach, title="PT with Sam", starts_at=in_days(1, 10))

    page = text(login(client_user).get(TIMETABLE))

    assert "Spin" in page
    assert "9 left" in page
    assert "Sam" not in page and "Stranger" not in page
    assert "PT with Sam" not in page


def test_the_timetable_filters_by_class_type_and_moves_week_by_week(gym, login, client_user):
    yoga = ClassTypeFactory(name="Yoga")
    ClassSessionFactory(trainer=gym.coach, title="Morning ride", starts_at=in_days(1, 7))
    ClassSessionFactory(
        trainer=gym.coach, class_type=yoga, title="Yoga flow", starts_at=in_days(1, 18)
    )
    ClassSessionFactory(trainer=gym.coach, title="Ride next week", starts_at=in_days(8, 7))
    browser = login(client_user)

    filtered = text(browser.get(TIMETABLE, {"class_type": yoga.pk}))
    in_a_week = (timezone.localdate() + timedelta(days=7)).isoformat()
    next_week = text(browser.get(TIMETABLE, {"week": in_a_week}))

    assert "Yoga flow" in filtered and "Morning ride" not in filtered
    assert "Ride next week" in next_week and "Morning ride" not in next_week
    assert "Ride next week" not in text(browser.get(TIMETABLE))


def test_the_timetable_takes_the_same_queries_for_three_classes_or_thirty(
    gym, login, client_user, django_assert_max_num_queries
):
    browser = login(client_user)

    def classes(n: int) -> None:
        for i in range(n):
            # Each with a trainer and a room of its own: times may coincide.
            session = ClassSessionFactory(starts_at=in_days(1 + i % 5, 6 + i % 12))
            BookingFactory(session=session, client=gym.member if i % 2 else gym.stranger)

    classes(3)
    browser.get(TIMETABLE)
    with django_assert_max_num_queries(12) as few:
        assert browser.get(TIMETABLE).status_code == 200
    classes(27)
    with django_assert_max_num_queries(len(few)):
        assert browser.get(TIMETABLE).status_code == 200


# --- Booking a class --------------------------------------------------------------------------


def test_a_client_books_a_class_from_the_timetable(gym, login, client_user):
    spin = ClassSessionFactory(trainer=gym.coach, title="Spin", capacity=5, starts_at=in_days(2, 7))

    response = follow(login(client_user), BOOK, {"session": spin.pk, "next": TIMETABLE})

    booking = Booking.objects.get(session=spin)
    assert (booking.client, booking.status, booking.source) == (
        gym.member,
        BookingStatus.BOOKED,
        BookingSource.PORTAL,
    )
    assert any("You are booked into Spin" in m for m in messages_of(response))
    assert "4 left" in text(response)


def test_a_full_class_puts_the_client_on_the_waitlist_and_shows_the_place(gym, login, client_user):
    spin = ClassSessionFactory(trainer=gym.coach, title="Spin", capacity=1, starts_at=in_days(2, 7))
    BookingFactory(session=spin, client=gym.stranger)
    BookingFactory(session=spin, client=gym.outsider_record, status=BookingStatus.WAITLISTED)
    browser = login(client_user)

    response = follow(browser, BOOK, {"session": spin.pk})

    assert Booking.objects.get(session=spin, client=gym.member).status == BookingStatus.WAITLISTED
    assert any("number 2 on the waitlist" in m for m in messages_of(response))
    assert "Waitlist #2" in text(browser.get(BOOKINGS))


def test_a_client_cannot_book_for_someone_else(gym, login, client_user):
    spin = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(2, 7))

    follow(login(client_user), BOOK, {"session": spin.pk, "client": gym.stranger.pk})

    assert list(Booking.objects.filter(session=spin).values_list("client", flat=True)) == [
        gym.member.pk
    ]


def test_a_client_cannot_book_into_someone_elses_personal_session(gym, login, client_user):
    personal = SessionFactory(trainer=gym.coach, starts_at=in_days(2, 10))

    response = login(client_user).post(BOOK, {"session": personal.pk})

    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_booking_a_class_that_has_started_says_why(gym, login, client_user):
    started = ClassSessionFactory(
        trainer=gym.coach, starts_at=timezone.now() - timedelta(minutes=5)
    )

    response = follow(login(client_user), BOOK, {"session": started.pk})

    assert "This session has already started." in messages_of(response)
    assert not Booking.objects.exists()


def test_staff_are_kept_out_of_the_portal_pages(gym, login, trainer, front_desk):
    for user in (trainer, front_desk):
        for url in (TIMETABLE, BOOKINGS, TRAINER):
            assert login(user).get(url).status_code == 403


# --- My bookings and cancelling ---------------------------------------------------------------


def test_my_bookings_lists_upcoming_and_past_with_attendance(gym, login, client_user):
    upcoming = BookingFactory(
        session=ClassSessionFactory(trainer=gym.coach, title="Spin", starts_at=in_days(3, 7)),
        client=gym.member,
    )
    BookingFactory(
        session=ClassSessionFactory(trainer=gym.coach, title="Old yoga", starts_at=in_days(-3, 7)),
        client=gym.member,
        status=BookingStatus.ATTENDED,
    )
    BookingFactory(
        session=ClassSessionFactory(trainer=gym.coach, title="Old HIIT", starts_at=in_days(-2, 7)),
        client=gym.member,
        status=BookingStatus.NO_SHOW,
    )
    BookingFactory(session=ClassSessionFactory(title="Not mine"), client=gym.stranger)

    page = text(login(client_user).get(BOOKINGS))

    assert f'data-booking="{upcoming.pk}"' in page
    assert "Old yoga" in page and "Attended" in page
    assert "Old HIIT" in page and "No-show" in page
    assert "You came to 50% of your sessions" in page
    assert "Not mine" not in page


def test_my_bookings_takes_the_same_queries_for_few_bookings_or_many(
    gym, login, client_user, django_assert_max_num_queries
):
    browser = login(client_user)

    def book(n: int) -> None:
        for i in range(n):
            status = BookingStatus.WAITLISTED if i % 3 == 0 else BookingStatus.BOOKED
            BookingFactory(
                session=ClassSessionFactory(starts_at=in_days(1 + i, 7)),
                client=gym.member,
                status=status,
            )
            BookingFactory(
                session=ClassSessionFactory(starts_at=in_days(-1 - i, 7)),
                client=gym.member,
                status=BookingStatus.ATTENDED,
            )

    book(2)
    browser.get(BOOKINGS)
    with django_assert_max_num_queries(12) as few:
        assert browser.get(BOOKINGS).status_code == 200
    book(20)
    with django_assert_max_num_queries(len(few)):
        assert browser.get(BOOKINGS).status_code == 200


def test_cancelling_early_is_free_and_says_so_before_confirming(gym, login, client_user):
    booking = BookingFactory(
        session=ClassSessionFactory(trainer=gym.coach, title="Spin", starts_at=in_days(3, 7)),
        client=gym.member,
    )
    browser = login(client_user)

    confirm = text(browser.get(CANCEL, {"booking": booking.pk}))
    response = follow(browser, CANCEL, {"booking": booking.pk})

    assert "Cancelling now is free" in confirm
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert any(m.startswith("Cancelled Spin") for m in messages_of(response))


def test_cancelling_inside_the_window_warns_of_a_late_cancel_and_records_one(
    gym, login, client_user
):
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"late_cancel_hours": 12})
    booking = BookingFactory(
        session=ClassSessionFactory(
            trainer=gym.coach, title="Spin", starts_at=timezone.now() + timedelta(hours=2)
        ),
        client=gym.member,
    )
    browser = login(client_user)

    listed = text(browser.get(BOOKINGS))
    confirm = text(browser.get(CANCEL, {"booking": booking.pk}))
    response = follow(browser, CANCEL, {"booking": booking.pk})

    assert "Cancelling now counts as a late cancel." in listed
    assert "This is a late cancel." in confirm
    booking.refresh_from_db()
    assert booking.status == BookingStatus.LATE_CANCELLED
    assert any("late cancel" in m for m in messages_of(response))


def test_a_client_cannot_see_or_cancel_someone_elses_booking(gym, login, client_user):
    theirs = BookingFactory(
        session=ClassSessionFactory(trainer=gym.coach, starts_at=in_days(3, 7)), client=gym.stranger
    )
    browser = login(client_user)

    assert browser.get(CANCEL, {"booking": theirs.pk}).status_code == 404
    assert browser.post(CANCEL, {"booking": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.BOOKED


# --- Book my trainer --------------------------------------------------------------------------


def open_hours(gym) -> None:
    SchedulingSettings.objects.update_or_create(
        pk=1, defaults={"self_booking_minutes": 60, "self_booking_notice_hours": 12}
    )
    for weekday in range(7):
        WorkingHours.objects.create(
            trainer=gym.coach, weekday=weekday, starts=time(9), ends=time(11)
        )


def test_a_client_sees_their_trainers_free_slots_and_books_one(gym, login, client_user):
    open_hours(gym)
    browser = login(client_user)
    next_week = timezone.localdate() + timedelta(days=7)
    week = {"week": next_week.isoformat()}
    starts_at = in_days(7, 9, 30)

    page = text(browser.get(TRAINER, week))
    response = follow(
        browser, TRAINER_BOOK, {"trainer": gym.coach.pk, "starts_at": starts_at.isoformat()}
    )

    assert gym.coach.name in page
    assert page.count('data-testid="slot"') == 7 * 3
    booking = Booking.objects.get(client=gym.member)
    assert booking.session.starts_at == starts_at
    assert booking.source == BookingSource.PORTAL
    assert any(m.startswith(f"You are booked with {gym.coach.name}") for m in messages_of(response))
    # The session from 09:30 to 10:30 overlaps every slot of that morning.
    assert text(browser.get(TRAINER, week)).count('data-testid="slot"') == 7 * 3 - 3


def test_a_slot_taken_meanwhile_is_refused_with_a_message(gym, login, client_user):
    open_hours(gym)
    starts_at = in_days(3, 10)
    SessionFactory(trainer=gym.coach, starts_at=starts_at, title="PT with Sam Stranger")

    response = follow(
        login(client_user),
        TRAINER_BOOK,
        {"trainer": gym.coach.pk, "starts_at": starts_at.isoformat()},
    )

    assert "This time is no longer free. Choose another." in messages_of(response)
    assert "Stranger" not in text(response)
    assert not Booking.objects.exists()


def test_a_client_is_offered_only_their_own_trainers(gym, login, client_user, outsider):
    open_hours(gym)

    assert login(client_user).get(TRAINER, {"trainer": gym.other_coach.pk}).status_code == 404
    assert "No trainer is assigned to you yet" in text(login(outsider).get(TRAINER))
    response = login(outsider).post(
        TRAINER_BOOK, {"trainer": gym.coach.pk, "starts_at": in_days(3, 10).isoformat()}
    )
    assert response.status_code == 404
    assert not Session.objects.exists()


def test_the_trainer_page_takes_the_same_queries_for_a_free_week_or_a_busy_one(
    gym, login, client_user, django_assert_max_num_queries
):
    open_hours(gym)
    browser = login(client_user)
    browser.get(TRAINER)
    with django_assert_max_num_queries(12) as few:
        assert browser.get(TRAINER).status_code == 200
    for day in range(1, 7):
        SessionFactory(trainer=gym.coach, starts_at=in_days(day, 9))
    with django_assert_max_num_queries(len(few)):
        assert browser.get(TRAINER).status_code == 200


def test_the_portal_home_links_to_the_schedule(gym, login, client_user):
    page = text(login(client_user).get("/portal/"))

    for url in (TIMETABLE, BOOKINGS, TRAINER):
        assert f'href="{url}"' in page


# --- Staff: working hours and time off --------------------------------------------------------


def availability_of(gym) -> str:
    return f"/availability/{gym.coach.pk}/"


def test_a_trainer_goes_to_their_own_availability_and_saves_their_hours(gym, login, trainer):
    browser = login(trainer)
    assert browser.get("/availability/")["Location"] == availability_of(gym)

    response = browser.post(
        availability_of(gym),
        {"d0_from_1": "09:00", "d0_until_1": "12:00", "d0_from_2": "14:00", "d0_until_2": "18:00"},
        follow=True,
    )

    assert "Working hours saved." in messages_of(response)
    assert [str(row) for row in WorkingHours.objects.filter(trainer=gym.coach)] == [
        "Monday 09:00 to 12:00",
        "Monday 14:00 to 18:00",
    ]
    assert 'value="14:00"' in text(response)


def test_bad_hours_show_the_form_again_with_the_message_at_the_day(gym, login, trainer):
    WorkingHours.objects.create(trainer=gym.coach, weekday=4, starts=time(7), ends=time(9))
    browser = login(trainer)

    overlap = browser.post(
        availability_of(gym),
        {"d2_from_1": "09:00", "d2_until_1": "12:00", "d2_from_2": "11:00", "d2_until_2": "13:00"},
    )
    half = browser.post(availability_of(gym), {"d3_from_1": "09:00"})

    assert overlap.status_code == 400
    assert "Wednesday: the hours overlap." in text(overlap)
    assert half.status_code == 400
    assert "Thursday: give both a start and an end." in text(half)
    assert [str(row) for row in WorkingHours.objects.filter(trainer=gym.coach)] == [
        "Friday 07:00 to 09:00"
    ]


def test_time_off_over_a_session_is_refused_listing_the_session(gym, login, trainer):
    SessionFactory(trainer=gym.coach, title="PT with Cleo", starts_at=in_days(4, 10))
    day = (timezone.localdate() + timedelta(days=4)).isoformat()

    response = login(trainer).post(
        f"{availability_of(gym)}time-off/",
        {"starts_at": f"{day}T08:00", "ends_at": f"{day}T18:00", "reason": "Course"},
    )

    assert response.status_code == 400
    assert "PT with Cleo" in text(response)
    assert "must be moved or cancelled first" in text(response)
    assert not TimeOff.objects.exists()


def test_a_manager_adds_and_removes_a_trainers_time_off(gym, login, manager):
    day = (timezone.localdate() + timedelta(days=4)).isoformat()
    browser = login(manager)

    added = browser.post(
        f"{availability_of(gym)}time-off/",
        {"starts_at": f"{day}T08:00", "ends_at": f"{day}T18:00", "reason": "Course"},
        follow=True,
    )
    off = TimeOff.objects.get(trainer=gym.coach)
    assert timezone.localtime(off.starts_at).hour == 8
    assert "Course" in text(added)

    browser.post(f"{availability_of(gym)}time-off/{off.pk}/remove/")
    assert not TimeOff.objects.exists()


def test_another_trainer_and_the_desk_cannot_set_a_trainers_availability(gym, login, front_desk):
    other = login(gym.other_coach.user)
    assert other.get(availability_of(gym)).status_code == 403
    assert (
        other.post(availability_of(gym), {"d0_from_1": "09:00", "d0_until_1": "10:00"}).status_code
        == 403
    )
    assert login(front_desk).get(availability_of(gym)).status_code == 403
    assert not WorkingHours.objects.exists()


def test_a_new_members_portal_pages_work_before_any_booking(login, client_user):
    MemberFactory(user=client_user)
    browser = login(client_user)

    for url in (TIMETABLE, BOOKINGS, TRAINER):
        assert browser.get(url).status_code == 200


def test_the_availability_page_takes_the_same_queries_for_little_time_off_or_much(
    gym, login, trainer, django_assert_max_num_queries
):
    browser = login(trainer)

    def time_off(days) -> None:
        for day in days:
            TimeOff.objects.create(
                trainer=gym.coach, starts_at=in_days(day, 8), ends_at=in_days(day, 9)
            )

    time_off(range(1, 3))
    browser.get(availability_of(gym))
    with django_assert_max_num_queries(12) as few:
        assert browser.get(availability_of(gym)).status_code == 200
    time_off(range(3, 30))
    with django_assert_max_num_queries(len(few)):
        assert browser.get(availability_of(gym)).status_code == 200
