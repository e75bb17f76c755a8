"""Signing in through the real login form, as each role, and being refused another's page."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.accounts.views import HOME_PAGES
from fitnesscrm.core.roles import Role
from tests.factories import UserFactory
from tests.paths import HOME_PATHS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_role_signs_in_and_lands_on_its_own_home_page(live_server, page, sign_in, role):
    user = UserFactory(role=role, email=f"{role.value}@example.test")

    sign_in(page, user)

    expect(page).to_have_url(f"{live_server.url}{HOME_PATHS[role]}")
    title, _lead = HOME_PAGES[role]
    expect(page.get_by_test_id("home-title")).to_have_text(title)


def test_a_wrong_password_shows_the_error_on_the_login_page(live_server, page, sign_in, artifacts):
    user = UserFactory(role=Role.OWNER, email="owner@example.test")

    sign_in(page, user, password="not-the-password")

    expect(page).to_have_url(f"{live_server.url}/account/login/")
    expect(page.get_by_test_id("login-error")).to_contain_text(
        "That email and password do not match an account"
    )
    expect(page.get_by_test_id("home-title")).to_have_count(0)
    page.screenshot(path=artifacts / "login-error-1280.png")


def test_a_client_who_opens_the_owner_page_sees_the_403_page(live_server, page, sign_in, artifacts):
    client = UserFactory(role=Role.CLIENT, email="client@example.test")
    sign_in(page, client)

    response = page.goto(f"{live_server.url}/owner/")

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This page is not for your account")
    expect(page.get_by_text("This page is not available to your role.")).to_be_visible()
    page.screenshot(path=artifacts / "forbidden-1280.png")
