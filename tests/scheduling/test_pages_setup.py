"""Setup pages: locations, rooms and class types for owners and managers, the owner's policy."""

import pytest
from django.urls import reverse

from fitnesscrm.scheduling.models import ClassType, Location, Room, SchedulingSettings
from tests.factories import ClassTypeFactory, LocationFactory, RoomFactory

pytestmark = pytest.mark.django_db

LOCATIONS = reverse("scheduling:setup-locations")
ROOMS = reverse("scheduling:setup-rooms")
CLASS_TYPES = reverse("scheduling:setup-class-types")
POLICY = reverse("scheduling:policy")


def test_a_manager_adds_a_location_and_a_room_in_it(login, manager):
    browser = login(manager)

    browser.post(LOCATIONS, {"name": "Riverside", "address": "2 Quay Road"})
    location = Location.objects.get()
    response = browser.post(ROOMS, {"location": location.pk, "name": "Loft", "capacity": "16"})

    assert response.status_code == 302
    room = Room.objects.get()
    assert (room.location, room.name, room.capacity) == (location, "Loft", 16)
    assert "Loft" in browser.get(ROOMS).text


def test_a_duplicate_name_is_shown_at_the_field_and_the_rest_is_kept(login, owner):
    LocationFactory(name="Riverside")

    response = login(owner).post(LOCATIONS, {"name": "riverside", "address": "Keep me"})

    assert response.status_code == 400
    assert 'id="id_name_error"' in response.text
    assert "A location with this name exists." in response.text
    assert 'value="Keep me"' in response.text
    assert Location.objects.count() == 1


def test_a_class_type_is_added_with_its_defaults_and_colour(login, owner):
    response = login(owner).post(
        CLASS_TYPES,
        {
            "name": "HIIT",
            "duration_minutes": "30",
            "capacity": "15",
            "colour": "#ff8800",
            "access": "paid",
        },
    )

    assert response.status_code == 302
    hiit = ClassType.objects.get()
    assert (hiit.duration_minutes, hiit.capacity, hiit.colour) == (30, 15, "#ff8800")
    assert hiit.access == "paid"  # members, or a class credit


def test_a_bad_class_type_shows_each_error_at_its_field(login, owner):
    response = login(owner).post(
        CLASS_TYPES, {"name": "HIIT", "duration_minutes": "2", "capacity": "0", "colour": "red"}
    )

    assert response.status_code == 400
    for field in ("duration_minutes", "capacity", "colour"):
        assert f'id="id_{field}_error"' in response.text
    assert 'value="HIIT"' in response.text
    assert not ClassType.objects.exists()


def test_a_room_is_edited_and_taken_out_of_use_then_back(login, manager):
    room = RoomFactory(name="Loft", capacity=10)
    browser = login(manager)

    browser.post(
        reverse("scheduling:setup-room", args=[room.pk]), {"name": "Big loft", "capacity": "25"}
    )
    browser.post(reverse("scheduling:setup-room-active", args=[room.pk]), {"active": "0"})
    room.refresh_from_db()
    assert (room.name, room.capacity, room.is_active) == ("Big loft", 25, False)
    assert "Not in use" in browser.get(ROOMS).text

    browser.post(reverse("scheduling:setup-room-active", args=[room.pk]), {"active": "1"})
    room.refresh_from_db()
    assert room.is_active


def test_a_class_type_out_of_use_is_no_longer_offered_for_new_sessions(login, owner):
    spin = ClassTypeFactory(name="Spin")
    browser = login(owner)

    browser.post(reverse("scheduling:setup-class-type-active", args=[spin.pk]), {"active": "0"})

    assert ">Spin<" not in browser.get(reverse("scheduling:session-create")).text


def test_trainers_and_the_desk_cannot_open_the_setup(login, trainer, front_desk):
    for user in (trainer, front_desk):
        assert login(user).get(LOCATIONS).status_code == 403


def test_the_owner_sets_the_policy_with_reminders_in_hours_and_minutes(login, owner):
    response = login(owner).post(
        POLICY,
        {
            "late_cancel_hours": "6",
            "reminder_offsets": "24h, 1h, 30m",
            "client_booking_days": "14",
            "self_booking_notice_hours": "4",
            "self_booking_minutes": "45",
        },
    )

    assert response.status_code == 302
    policy = SchedulingSettings.load()
    assert policy.late_cancel_hours == 6
    assert policy.reminder_offsets == [24 * 60, 60, 30]
    assert (policy.client_booking_days, policy.self_booking_minutes) == (14, 45)


def test_the_policy_page_shows_the_default_reminders(login, owner):
    page = login(owner).get(POLICY).text

    assert 'value="24h, 1h"' in page


def test_a_bad_reminder_is_shown_at_its_field_and_nothing_changes(login, owner):
    before = SchedulingSettings.load().reminder_offsets

    response = login(owner).post(
        POLICY,
        {
            "late_cancel_hours": "6",
            "reminder_offsets": "24h, soon",
            "client_booking_days": "14",
            "self_booking_notice_hours": "4",
            "self_booking_minutes": "45",
        },
    )

    assert response.status_code == 400
    assert 'id="id_reminder_offsets_error"' in response.text
    assert 'value="24h, soon"' in response.text
    assert SchedulingSettings.load().reminder_offsets == before
    assert SchedulingSettings.load().late_cancel_hours == 12


def test_too_many_reminders_are_refused_by_the_policy_rule(login, owner):
    response = login(owner).post(
        POLICY,
        {
            "late_cancel_hours": "6",
            "reminder_offsets": "1h, 2h, 3h, 4h, 5h, 6h",
            "client_booking_days": "14",
            "self_booking_notice_hours": "4",
            "self_booking_minutes": "45",
        },
    )

    assert response.status_code == 400
    assert "Up to 5 reminders" in response.text


def test_a_manager_reads_the_policy_but_cannot_change_it(login, manager):
    browser = login(manager)

    assert browser.get(POLICY).status_code == 200
    assert browser.post(POLICY, {"late_cancel_hours": "1"}).status_code == 403
