"""The app shell in a real browser: CSP, small screens, dark mode, and how it looks."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.core.roles import Role
from tests.browser_fixtures import DESKTOP, PHONE, page_width
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_login_and_home_pages_log_no_console_errors(live_server, page, sign_in, console):
    owner = UserFactory(role=Role.OWNER, email="owner@example.test")

    page.goto(f"{live_server.url}/account/login/")
    page.wait_for_load_state("networkidle")  # the favicon too
    assert console.errors == [], "the login page"

    sign_in(page, owner)
    expect(page.get_by_test_id("home-title")).to_be_visible()
    # Open the user menu too: Bootstrap's dropdown positions itself with styles.
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert console.csp_violations == []
    assert console.errors == [], "the home page"


def test_the_csp_blocks_an_inline_script_and_the_console_check_notices(live_server, page, console):
    """Proves that the checks above can fail: the policy is enforced and its report seen."""
    page.goto(f"{live_server.url}/account/login/")

    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as report:
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.body.dataset.injected = 'ran'";
                document.head.appendChild(script);
            }"""
        )

    assert "script-src" in report.value.text
    expect(page.locator("body")).not_to_have_attribute("data-injected", "ran")
    assert console.csp_violations != []
    console.errors.clear()  # seen and expected: the fixture's own check must not fail


def test_on_a_phone_nothing_scrolls_sideways_and_the_menu_opens(live_server, new_page, sign_in):
    owner = UserFactory(role=Role.OWNER, email="owner@example.test")
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}/account/login/")
    assert page_width(page) <= PHONE["width"], "the login page"

    sign_in(page, owner)
    expect(page.get_by_test_id("home-title")).to_be_visible()
    assert page_width(page) <= PHONE["width"], "the home page"

    nav = page.get_by_role("navigation", name="Main")
    audit_link = nav.get_by_role("link", name="Audit log")
    expect(audit_link).to_be_hidden()
    nav.get_by_role("button", name="Open the menu").click()
    expect(audit_link).to_be_visible()
    assert page_width(page) <= PHONE["width"], "the home page with the menu open"

    audit_link.click()
    expect(page).to_have_url(f"{live_server.url}/audit/")


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.TRAINER, Role.FRONT_DESK])
def test_from_a_tablet_to_a_wide_screen_the_bar_fits_and_nothing_scrolls_sideways(
    live_server, page, sign_in, role
):
    user = UserFactory(
        role=role, email="staff@example.test", full_name="Maximiliane Featherstonehaugh"
    )
    sign_in(page, user)
    nav = page.get_by_role("navigation", name="Main")
    links = nav.locator("[data-testid^='nav-']")
    menu_button = nav.get_by_role("button", name="Open the menu")

    for width in (1024, 1199, 1200, 1280, 1399, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        assert page_width(page) <= width, width
        if width < 1200:
            # The links are behind the menu button, and fit when it opens.
            expect(menu_button).to_be_visible()
            expect(links.first).to_be_hidden()
            continue
        expect(menu_button).to_be_hidden()
        tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
        assert len(tops) == 1, f"the links wrap onto {len(tops)} lines at {width}px"
        # The account button keeps its name for screen readers when it shows only the avatar.
        expect(nav.get_by_role("button", name="Maximiliane Featherstonehaugh")).to_be_visible()


def test_dark_mode_switches_the_theme_and_is_remembered_after_a_reload(live_server, page, sign_in):
    owner = UserFactory(role=Role.OWNER, email="owner@example.test")
    sign_in(page, owner)
    html = page.locator("html")
    toggle = page.locator("#theme-toggle")
    expect(html).to_have_attribute("data-bs-theme", "light")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")

    toggle.click()
    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "light")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_shell_fits_phone_and_desktop_screens_in_both_colour_modes(
    live_server, new_page, sign_in, artifacts, theme
):
    """Leaves screenshots in test-artifacts/ for a person to look at, too."""
    owner = UserFactory(role=Role.OWNER, email="owner@example.test", full_name="Olga Owner")
    for viewport in (PHONE, DESKTOP):
        width = viewport["width"]
        page = new_page(viewport=viewport, color_scheme=theme)
        page.goto(f"{live_server.url}/account/login/")
        # With nothing saved, the page follows the system's colour mode.
        expect(page.locator("html")).to_have_attribute("data-bs-theme", theme)
        assert page_width(page) <= width, "the login page"
        page.screenshot(path=artifacts / f"login-{width}-{theme}.png", full_page=True)

        sign_in(page, owner)
        expect(page.get_by_test_id("home-title")).to_be_visible()
        assert page_width(page) <= width, "the owner home"
        page.screenshot(path=artifacts / f"owner-home-{width}-{theme}.png", full_page=True)

        if viewport is PHONE:
            page.get_by_role("button", name="Open the menu").click()
        page.get_by_test_id("user-menu").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert page_width(page) <= width, "the owner home with its menus open"
        page.screenshot(path=artifacts / f"owner-menu-{width}-{theme}.png", full_page=True)
