"""Two-factor sign-in in a real browser: set up from the page (the key read off the
screen, the code computed as an authenticator app would), sign out, sign in with a code."""

from datetime import UTC, datetime

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fitnesscrm.accounts.models import TOTPDevice
from fitnesscrm.core.roles import Role
from tests.accounts.two_factor_helpers import Clock
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Time stands still (at the start of a 30-second step) until the test moves it; the
    live server runs in this process, so its `timezone.now()` is this one."""
    now = int(datetime.now(tz=UTC).timestamp()) // 30 * 30
    clock = Clock(datetime.fromtimestamp(now, tz=UTC))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def test_a_trainer_sets_up_2fa_on_the_page_and_then_signs_in_with_a_code(
    live_server, page, sign_in, clock, artifacts
):
    trainer = UserFactory(role=Role.TRAINER, email="coach@example.test")
    sign_in(page, trainer)

    page.goto(f"{live_server.url}/account/two-factor/")
    expect(page.get_by_test_id("two-factor-off")).to_be_visible()
    page.get_by_test_id("enrol-link").click()
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    page.screenshot(path=artifacts / "two-factor-enrol-1280.png", full_page=True)
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(totp.at(clock.now))
    page.get_by_role("button", name="Turn on").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    page.screenshot(path=artifacts / "two-factor-recovery-codes-1280.png", full_page=True)
    assert TOTPDevice.objects.get(user=trainer).is_confirmed

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/account/login/")

    clock.advance(30)  # the next code of the app: the one used at set-up is spent
    sign_in(page, trainer)
    expect(page).to_have_url(f"{live_server.url}/account/login/code/")
    page.screenshot(path=artifacts / "two-factor-code-step-1280.png", full_page=True)
    page.get_by_label("Code").fill("000000" if totp.at(clock.now) != "000000" else "111111")
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()

    page.get_by_label("Code").fill(totp.at(clock.now))
    page.get_by_role("button", name="Verify and sign in").click()

    expect(page).to_have_url(f"{live_server.url}/trainer/")
    expect(page.get_by_test_id("home-title")).to_have_text("Trainer home")
