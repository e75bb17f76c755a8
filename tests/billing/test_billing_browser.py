"""Billing in a real browser: the desk takes part of an invoice in cash, the owner refunds
some of it; on a desktop and on a phone, without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.billing.models import Invoice, InvoiceStatus, Refund
from tests.billing.test_pages_invoices import issued_invoice
from tests.browser_fixtures import DESKTOP, PHONE, page_width
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shot(artifacts):
    """`shot(page, name)` keeps a full-page screenshot under test-artifacts/ to look at."""

    def _shot(page, name: str) -> None:
        page.screenshot(path=artifacts / f"billing-{name}.png", full_page=True)

    return _shot


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_the_desk_records_a_partial_payment_and_the_owner_refunds_part_of_it(
    live_server, new_page, sign_in, shot, owner, front_desk, viewport, size
):
    client = MemberFactory(first_name="Zoë", last_name="Núñez")
    invoice = issued_invoice(owner, client=client)

    desk = new_page(viewport=viewport)
    sign_in(desk, front_desk)
    desk.goto(f"{live_server.url}/billing/")
    expect(desk.get_by_test_id("invoice-count")).to_have_text("1 invoice")
    shot(desk, f"list-{size}")
    assert page_width(desk) <= viewport["width"]
    desk.get_by_role("link", name=invoice.number).click()
    desk.get_by_label("Amount").fill("20")
    desk.get_by_label("Method").select_option("cash")
    desk.get_by_role("button", name="Record payment").click()

    expect(desk.get_by_text("£20.00 recorded; £30.00 is still due.")).to_be_visible()
    expect(desk.get_by_test_id("amount-due")).to_have_text("£30.00")
    shot(desk, f"paid-{size}")
    assert page_width(desk) <= viewport["width"]
    expect(desk.get_by_test_id("refund-link")).to_have_count(0)  # the desk does not refund

    boss = new_page(viewport=viewport)
    sign_in(boss, owner)
    boss.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    boss.get_by_test_id("refund-link").click()
    boss.get_by_label("Amount to refund").fill("25")
    boss.get_by_label("Reason").fill("Class cancelled")
    boss.get_by_role("button", name="Refund", exact=True).click()
    expect(boss.get_by_text("At most £20.00 of this payment can be refunded.")).to_be_visible()
    expect(boss.get_by_label("Reason")).to_have_value("Class cancelled")
    shot(boss, f"refund-error-{size}")
    boss.get_by_label("Amount to refund").fill("5")
    boss.get_by_role("button", name="Refund", exact=True).click()

    refund = Refund.objects.get()
    expect(boss.get_by_text(f"credit note {refund.credit_note.number}").first).to_be_visible()
    expect(boss.get_by_test_id("refunded")).to_have_text("£5.00 refunded")
    shot(boss, f"refunded-{size}")
    assert page_width(boss) <= viewport["width"]
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.OPEN and invoice.amount_paid_minor == 2000


def test_a_new_invoice_is_made_from_the_client_picker(live_server, page, sign_in, shot, front_desk):
    MemberFactory(first_name="Ingrid", last_name="Bergström")
    sign_in(page, front_desk)
    page.goto(f"{live_server.url}/billing/invoices/new/")

    page.get_by_label("Find a client").fill("bergstrom")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Ingrid Bergström").click()
    page.locator("#id_lines-0-description").fill("Personal training")
    page.locator("#id_lines-0-unit_price").fill("40")
    shot(page, "new-invoice-desktop")
    page.get_by_role("button", name="Issue and email").click()

    expect(page.get_by_test_id("amount-due")).to_have_text("£40.00")
    assert Invoice.objects.get().status == InvoiceStatus.OPEN
