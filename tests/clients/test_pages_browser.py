"""The client pages in a real browser: live search, bulk selection, the lead board, phones."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.clients.models import Client, LeadStage
from fitnesscrm.core.roles import Role
from tests.browser_fixtures import DESKTOP, PHONE, page_width
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    TagFactory,
    TrainerFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_user(db):
    return UserFactory(role=Role.FRONT_DESK, email="desk@example.test", full_name="Dana Desk")


def test_typing_a_search_updates_the_results_in_place(live_server, page, sign_in, desk_user):
    ClientFactory(first_name="José", last_name="Núñez")
    for n in range(5):
        ClientFactory(first_name=f"Other{n}", last_name="Person")
    sign_in(page, desk_user)
    page.goto(f"{live_server.url}/clients/")
    expect(page.get_by_test_id("client-count")).to_have_text("6 clients")

    page.locator("#id_q").press_sequentially("jose", delay=30)

    expect(page.get_by_test_id("client-count")).to_have_text("1 client")
    expect(page.get_by_role("link", name="José Núñez")).to_be_visible()
    assert "q=jose" in page.url
    assert page.evaluate("document.activeElement.id") == "id_q"  # the box keeps the focus


def test_selected_clients_get_a_tag_in_one_go(live_server, page, sign_in, desk_user):
    first = ClientFactory(first_name="Ana", last_name="A")
    second = ClientFactory(first_name="Ben", last_name="B")
    ClientFactory(first_name="Cat", last_name="C")
    sign_in(page, desk_user)
    page.goto(f"{live_server.url}/clients/")
    apply = page.locator("[data-bulk-apply]")
    expect(apply).to_be_disabled()

    page.get_by_label("Select Ana A").check()
    page.get_by_label("Select Ben B").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    export = page.get_by_test_id("export-link")
    expect(export).to_have_text("Export 2 selected")
    expect(export).to_have_attribute("href", f"/clients/export.csv?ids={first.pk},{second.pk}")
    page.locator("#bulk-action").select_option("tag")
    expect(page.locator("#bulk-status")).to_be_hidden()
    page.locator("#bulk-tag").fill("Summer")
    page.once("dialog", lambda dialog: dialog.accept())
    apply.click()

    expect(page.get_by_role("alert")).to_contain_text("2 clients tagged “Summer”.")
    assert sorted(TagFactory(name="Summer").clients.values_list("pk", flat=True)) == sorted(
        [first.pk, second.pk]
    )


def test_a_lead_dragged_to_another_column_moves_and_lost_asks_why(
    live_server, page, sign_in, desk_user
):
    ana = ClientFactory(first_name="Ana", last_name="Lead")
    ben = ClientFactory(first_name="Ben", last_name="Lead")
    sign_in(page, desk_user)
    page.goto(f"{live_server.url}/leads/")

    card = page.get_by_test_id("column-new").locator("[data-card]", has_text="Ana Lead")
    with page.expect_navigation():
        card.locator(".small").first.drag_to(page.get_by_test_id("column-contacted"))
    expect(page.get_by_test_id("column-contacted")).to_contain_text("Ana Lead")

    card = page.get_by_test_id("column-new").locator("[data-card]", has_text="Ben Lead")
    card.locator(".small").first.drag_to(page.get_by_test_id("column-lost"))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Why was Ben Lead lost?")
    dialog.get_by_label("Reason", exact=True).fill("Moved away")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Mark as lost").click()

    expect(page.get_by_test_id("column-lost")).to_contain_text("Lost: Moved away")
    assert Client.objects.get(pk=ana.pk).lead_stage == LeadStage.CONTACTED
    assert Client.objects.get(pk=ben.pk).lost_reason == "Moved away"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_client_pages_fit_a_phone_and_a_desktop(
    live_server, new_page, sign_in, artifacts, theme, db
):
    """Leaves screenshots in test-artifacts/ for a person to look at, too."""
    owner = UserFactory(role=Role.OWNER, email="owner@example.test", full_name="Olga Owner")
    coach = TrainerFactory(user__full_name="Sofía Martínez")
    client = ClientFactory(
        first_name="Maximilian-Alexander",
        last_name="Weißenborn-Oyelaran",
        email="maximilian.alexander.weissenborn@example.test",
        phone="+447911123456",
        goals="Run the Bristol 10K in under 55 minutes.",
        health_notes="Mild asthma; carries an inhaler.",
        tags=[TagFactory(name="Morning crew"), TagFactory(name="VIP")],
    )
    AssignmentFactory(client=client, trainer=coach)
    ClientFactory.create_batch(8)
    pages = {
        "clients-list": "/clients/",
        "client-detail": f"/clients/{client.pk}/",
        "lead-board": "/leads/",
        "client-form": f"/clients/{client.pk}/edit/",
    }
    for viewport in (PHONE, DESKTOP):
        width = viewport["width"]
        page = new_page(viewport=viewport, color_scheme=theme)
        sign_in(page, owner)
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert page_width(page) <= width, f"{name} scrolls sideways at {width}px"
            page.screenshot(path=artifacts / f"{name}-{width}-{theme}.png", full_page=True)
