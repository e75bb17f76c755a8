"""The schedule in a real browser: the week view, dragging a session to a free time and onto
a conflict, the phone's list view, and every schedule page on a desktop and a phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling.models import Session
from tests.browser_fixtures import DESKTOP, PHONE, page_width
from tests.factories import (
    BookingFactory,
    ClassSessionFactory,
    ClassTypeFactory,
    MemberFactory,
    RoomFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.browser
TALL = {"width": 1280, "height": 1100}


@pytest.fixture
def schedule():
    owner = UserFactory(role=Role.OWNER, email="owner@example.test", full_name="Olga Owner")
    coach = TrainerFactory(user__full_name="Tom Trainer", colour="#1f6fb2")
    room = RoomFactory(name="Studio A", capacity=20, location__name="Main studio")
    spin = ClassTypeFactory(name="Spin", colour="#c0392b", capacity=12)
    session = ClassSessionFactory(
        trainer=coach, room=room, class_type=spin, title="Spin", starts_at=in_days(1, 7)
    )
    SessionFactory(trainer=coach, title="Strength block", starts_at=in_days(1, 10))
    member = MemberFactory(first_name="Mabel", last_name="Quill")
    BookingFactory(session=session, client=member)
    return {"owner": owner, "coach": coach, "session": session, "member": member}


def _event(page: Page, title: str):
    return page.locator("[data-testid=session-event]", has_text=title)


def _drag_to(page: Page, title: str, day: str, time: str) -> None:
    """Drag the event by its start to the start of the slot of `time` on `day`."""
    event = _event(page, title)
    event.scroll_into_view_if_needed()
    box = event.bounding_box()
    column = page.locator(f"td.fc-timegrid-col[data-date='{day}']").bounding_box()
    slot = page.locator(f"td.fc-timegrid-slot-lane[data-time='{time}']").bounding_box()
    # Held by the same point of its second quarter hour (the snap) as the target slot's.
    offset = slot["height"] * 0.75
    start = (box["x"] + box["width"] / 2, box["y"] + offset)
    end = (column["x"] + column["width"] / 2, slot["y"] + offset)
    page.mouse.move(*start)
    page.mouse.down()
    steps = 12
    for i in range(1, steps + 1):
        page.mouse.move(
            start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps
        )
    page.mouse.up()


def test_the_week_view_shows_the_sessions_and_a_drag_saves_or_is_refused_in_place(
    live_server, new_page, sign_in, schedule, console, artifacts
):
    page = new_page(viewport=TALL)
    sign_in(page, schedule["owner"])
    day = in_days(1).date().isoformat()

    page.goto(f"{live_server.url}/schedule/?view=timeGridWeek&date={day}")
    expect(_event(page, "Spin")).to_be_visible()
    expect(_event(page, "Strength block")).to_be_visible()
    expect(_event(page, "Spin")).to_contain_text("Tom Trainer · Studio A · 1/12 booked")
    page.screenshot(path=artifacts / "schedule-week.png", full_page=True)

    # Onto the trainer's other session: refused, the message shown, the class back at 07:00.
    _drag_to(page, "Spin", day, "10:00:00")
    expect(page.get_by_test_id("calendar-error")).to_contain_text("Strength block")
    expect(_event(page, "Spin")).to_contain_text("07:00")
    page.screenshot(path=artifacts / "schedule-refused.png", full_page=True)
    session = Session.objects.get(pk=schedule["session"].pk)
    assert session.starts_at == in_days(1, 7)

    # To a free time: saved.
    _drag_to(page, "Spin", day, "08:30:00")
    expect(page.get_by_test_id("calendar-notice")).to_contain_text("moved to")
    expect(page.get_by_test_id("calendar-error")).to_be_hidden()
    expect(_event(page, "Spin")).to_contain_text("08:30")
    session.refresh_from_db()
    assert session.starts_at == in_days(1, 8, 30)
    assert session.ends_at - session.starts_at == timedelta(hours=1)
    page.screenshot(path=artifacts / "schedule-moved.png", full_page=True)

    # After a reload the calendar reads the new time from the server.
    page.reload()
    expect(_event(page, "Spin")).to_contain_text("08:30")


def test_the_month_and_day_views_and_the_filters(live_server, new_page, sign_in, schedule):
    page = new_page(viewport=DESKTOP)
    sign_in(page, schedule["owner"])
    day = in_days(1).date().isoformat()

    page.goto(f"{live_server.url}/schedule/?view=dayGridMonth&date={day}")
    expect(_event(page, "Spin")).to_be_visible()
    page.goto(f"{live_server.url}/schedule/?view=timeGridDay&date={day}")
    expect(_event(page, "Strength block")).to_be_visible()

    page.goto(f"{live_server.url}/schedule/?view=timeGridDay&date={day}")
    page.get_by_label("Room").select_option(label="Studio A (Main studio)")
    page.get_by_role("button", name="Show").click()
    # The filters keep the day shown.
    expect(page).to_have_url(
        f"{live_server.url}/schedule/?view=timeGridDay&date={day}&trainer=&room={schedule['session'].room_id}&location="
    )
    expect(_event(page, "Spin")).to_be_visible()
    expect(_event(page, "Strength block")).to_have_count(0)


def test_the_filters_keep_the_view_and_the_period_the_calendar_was_moved_to(
    live_server, new_page, sign_in, schedule
):
    page = new_page(viewport=DESKTOP)
    sign_in(page, schedule["owner"])
    page.goto(f"{live_server.url}/schedule/?view=dayGridMonth&date={in_days(0).date().isoformat()}")
    page.locator(".fc-next-button").click()
    page.locator(".fc-next-button").click()
    title = page.locator(".fc-toolbar-title").inner_text()

    page.get_by_label("Trainer").select_option(label="Tom Trainer")
    page.get_by_role("button", name="Show").click()

    expect(page.locator(".fc-toolbar-title")).to_have_text(title)
    expect(page.get_by_role("button", name="Month")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Trainer")).to_have_value(str(schedule["coach"].pk))


def test_a_phone_gets_the_list_view(live_server, new_page, sign_in, schedule, artifacts):
    page = new_page(viewport=PHONE)
    sign_in(page, schedule["owner"])

    page.goto(f"{live_server.url}/schedule/?date={in_days(1).date().isoformat()}")

    expect(page.locator(".fc-list")).to_be_visible()
    expect(_event(page, "Spin")).to_be_visible()
    expect(_event(page, "Strength block")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=artifacts / "schedule-phone.png", full_page=True)


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_schedule_page_renders_within_the_policy(
    live_server, new_page, sign_in, schedule, artifacts, size, viewport
):
    page = new_page(viewport=viewport)
    sign_in(page, schedule["owner"])
    session = schedule["session"]
    pages = {
        "list": "/schedule/sessions/",
        "session": f"/schedule/sessions/{session.pk}/",
        "new-session": "/schedule/sessions/new/",
        "edit-session": f"/schedule/sessions/{session.pk}/edit/",
        "cancel-session": f"/schedule/sessions/{session.pk}/cancel/",
        "setup-rooms": "/schedule/setup/rooms/",
        "setup-class-types": "/schedule/setup/class-types/",
        "policy": "/schedule/setup/policy/",
        "client": f"/clients/{schedule['member'].pk}/",
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main h1").first).to_be_visible()
        assert page_width(page) <= viewport["width"], name
        page.screenshot(path=artifacts / f"schedule-{name}-{size}.png", full_page=True)


def test_the_picker_finds_a_client_as_you_type_and_books_them(
    live_server, new_page, sign_in, schedule
):
    MemberFactory(first_name="Zara", last_name="Zimmer")
    page = new_page(viewport=DESKTOP)
    sign_in(page, schedule["owner"])
    page.goto(f"{live_server.url}/schedule/sessions/{schedule['session'].pk}/")

    page.get_by_label("Find a client").fill("Zimmer")
    expect(page.locator("#picker select option", has_text="Zara Zimmer")).to_have_count(1)
    expect(page.locator("#picker select option", has_text="Mabel Quill")).to_have_count(0)
    page.locator("#picker select").select_option(label="Zara Zimmer")
    page.get_by_test_id("book-submit").click()

    expect(page.get_by_text("Zara Zimmer booked.")).to_be_visible()
    expect(page.get_by_test_id("attendee")).to_have_count(2)
