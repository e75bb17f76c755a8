"""The pages a client returns to from Stripe's hosted Checkout, on a desktop and a phone."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.billing.models import InvoiceStatus
from tests.billing.stripe_server import open_invoice
from tests.browser_fixtures import DESKTOP, PHONE, page_width
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_return_pages_say_what_happened_and_fit_the_screen(
    new_page, sign_in, live_server, client_user, artifacts, viewport
):
    member = MemberFactory(user=client_user)
    invoice = open_invoice(member)
    page = new_page(viewport=viewport)
    sign_in(page, client_user)
    name = "desktop" if viewport == DESKTOP else "phone"

    page.goto(f"{live_server.url}/billing/stripe/checkout/done/?invoice={invoice.pk}")
    expect(page.get_by_test_id("checkout-state")).to_contain_text("being confirmed")
    assert page_width(page) <= viewport["width"]
    page.screenshot(path=str(artifacts / f"stripe-checkout-confirming-{name}.png"), full_page=True)

    type(invoice).objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID)
    page.reload()
    expect(page.get_by_test_id("page-title")).to_have_text("Payment received")
    page.screenshot(path=str(artifacts / f"stripe-checkout-paid-{name}.png"), full_page=True)

    page.goto(f"{live_server.url}/billing/stripe/checkout/cancelled/")
    expect(page.get_by_test_id("page-title")).to_have_text("No payment was made")
    assert page_width(page) <= viewport["width"]
    page.screenshot(path=str(artifacts / f"stripe-checkout-cancelled-{name}.png"), full_page=True)
