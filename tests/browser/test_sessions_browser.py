"""Active sessions in real browsers: one browser ends the other's session."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from fitnesscrm.core.roles import Role
from tests.browser_fixtures import PHONE
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_one_browser_ends_the_others_session_and_the_other_is_sent_to_sign_in(
    live_server, new_page, sign_in, artifacts
):
    trainer = UserFactory(role=Role.TRAINER, email="trainer@example.test", full_name="Tom Trainer")
    desk = new_page()
    phone = new_page(viewport=PHONE)
    phone.context.set_extra_http_headers({"User-Agent": PHONE_AGENT})
    sign_in(phone, trainer)
    sign_in(desk, trainer)
    # The browser keeps the session under the __Host- name the settings give it.
    names = {cookie["name"] for cookie in desk.context.cookies()}
    assert settings.SESSION_COOKIE_NAME in names

    # The account menu leads to the list, where this browser's session is marked.
    desk.get_by_test_id("user-menu").click()
    desk.get_by_test_id("menu-sessions").click()
    expect(desk.get_by_role("heading", name="Active sessions")).to_be_visible()
    rows = desk.get_by_test_id("session-row")
    expect(rows).to_have_count(2)
    expect(desk.locator("[data-current=true]")).to_contain_text("This session")
    phone_row = rows.filter(has_text="Safari on iPhone")
    expect(phone_row).to_have_count(1)
    desk.screenshot(path=artifacts / "sessions-1280.png", full_page=True)

    desk.once("dialog", lambda dialog: dialog.accept())
    phone_row.get_by_test_id("end-session").click()

    expect(desk.get_by_role("alert")).to_contain_text("The session on Safari on iPhone has ended")
    expect(rows).to_have_count(1)
    desk.screenshot(path=artifacts / "sessions-ended-1280.png", full_page=True)

    phone.goto(f"{live_server.url}/trainer/")
    expect(phone).to_have_url(f"{live_server.url}/account/login/?next=/trainer/")
    expect(phone.get_by_role("button", name="Sign in")).to_be_visible()
    phone.screenshot(path=artifacts / "sessions-ended-phone-375.png")

    desk.goto(f"{live_server.url}/trainer/")
    expect(desk.get_by_test_id("home-title")).to_be_visible()
