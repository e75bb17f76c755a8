"""The client's billing on a phone, and the revenue pages for the owner, in Chromium."""

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fitnesscrm.billing import services
from fitnesscrm.billing.models import CreditGrant, Invoice, MembershipStatus, PaymentMethod
from fitnesscrm.billing.services import memberships
from tests.browser_fixtures import DESKTOP, page_width
from tests.factories import MemberFactory, PackFactory, ProductFactory, TrainerFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shot():
    """`shot(page, name)` saves a full-page screenshot to look at after the run."""

    def _shot(page, name: str) -> None:
        page.screenshot(path=str(Path(tempfile.gettempdir()) / f"revh-{name}.png"), full_page=True)

    return _shot


@pytest.fixture
def no_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""


def test_on_a_phone_a_client_sees_their_plan_buys_a_pack_and_cancels(
    live_server, new_page, sign_in, client_user, shot, no_stripe
):
    member = MemberFactory(user=client_user, first_name="Cleo", last_name="Client")
    plan = ProductFactory(name="Unlimited", price_minor=4500, notice_days=0)
    # Started on a billing day, so the first period is a whole one: a start on the 29th
    # to the 31st would be prorated (billing days run 1 to 28), so it is backdated then.
    today = timezone.localdate()
    started = memberships.membership_start(
        actor=None, client=member, product=plan, starts_on=today.replace(day=min(today.day, 28))
    )
    PackFactory(name="10 classes", price_minor=9000, credits=10, credit_days=90)
    CreditGrant.objects.create(
        client=member,
        credits=5,
        remaining=2,
        expires_on=timezone.localdate() + timedelta(days=20),
    )
    page = new_page(viewport=PHONE)
    sign_in(page, client_user)

    page.goto(f"{live_server.url}/portal/")
    page.get_by_test_id("billing-link").click()
    expect(page.get_by_test_id("page-title")).to_have_text("My membership")
    expect(page.get_by_test_id("membership-status")).to_have_text("Active")
    expect(page.get_by_test_id("next-renewal")).to_contain_text("£45.00 on")
    expect(page.get_by_test_id("credits-total")).to_have_text("2")
    expect(page.get_by_test_id("no-cards").first).to_be_visible()
    assert page_width(page) <= PHONE["width"], "my membership"
    shot(page, "portal-membership")

    page.locator(f'[data-invoice="{started.invoice.pk}"]').get_by_role("link").first.click()
    expect(page.get_by_test_id("page-title")).to_have_text(f"Invoice {started.invoice.number}")
    expect(page.get_by_test_id("invoice-due")).to_have_text("£45.00")
    assert page_width(page) <= PHONE["width"], "an invoice"
    shot(page, "portal-invoice")

    page.get_by_role("link", name="Buy").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Buy a plan or a pack")
    assert page_width(page) <= PHONE["width"], "the shop"
    shot(page, "portal-shop")
    page.get_by_test_id("product").filter(has_text="10 classes").get_by_role(
        "button", name="Buy"
    ).click()
    expect(page.get_by_role("alert").first).to_contain_text("please pay at the front desk")
    bought = Invoice.objects.exclude(pk=started.invoice.pk).get(client=member)
    expect(page.get_by_test_id("page-title")).to_have_text(f"Invoice {bought.number}")
    expect(page.get_by_test_id("invoice-total")).to_have_text("£90.00")

    page.get_by_role("link", name="Membership", exact=True).first.click()
    page.get_by_test_id("cancel-link").click()
    expect(page.get_by_test_id("notice-rule")).to_contain_text(
        "ends at the end of a billing period"
    )
    expect(page.get_by_test_id("ends-on-preview")).to_be_visible()
    assert page_width(page) <= PHONE["width"], "cancelling"
    shot(page, "portal-cancel")
    page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_role("alert").first).to_contain_text("membership is cancelled")
    expect(page.get_by_test_id("ends-on")).to_be_visible()
    started.membership.refresh_from_db()
    assert started.membership.status == MembershipStatus.CANCELLED

    wide = new_page(viewport=DESKTOP)
    sign_in(wide, client_user)
    wide.goto(f"{live_server.url}/portal/billing/")
    expect(wide.get_by_test_id("ends-on")).to_be_visible()
    shot(wide, "portal-membership-desktop")
    wide.goto(f"{live_server.url}/portal/billing/invoice/{bought.pk}/")
    shot(wide, "portal-invoice-desktop")


def test_the_owner_reads_revenue_and_receivables_on_a_desktop_and_a_phone(
    live_server, new_page, sign_in, owner, front_desk, shot
):
    plan = ProductFactory(name="Unlimited")
    coach = TrainerFactory(user__full_name="Carla Coach")
    for n in range(3):
        client = MemberFactory(first_name=f"Member{n}")
        memberships.membership_start(actor=None, client=client, product=plan)
        invoice = services.invoice_create(
            actor=None,
            client=client,
            lines=[
                services.LineSpec(
                    description="PT session", unit_price_minor=6000, trainer=coach, product=plan
                )
            ],
            issue=True,
        )
        services.payment_record(
            actor=front_desk, invoice=invoice, amount_minor=6000, method=PaymentMethod.CASH
        )
    Invoice.objects.filter(status="open").update(due_on=timezone.localdate() - timedelta(days=45))

    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport=viewport)
        sign_in(page, owner)
        page.goto(f"{live_server.url}/billing/revenue/")
        expect(page.get_by_test_id("mrr-value")).to_have_text("£135.00")
        shot(page, f"revenue-{name}")
        page.goto(f"{live_server.url}/billing/revenue/period/")
        expect(page.get_by_test_id("period-total")).to_contain_text("£180.00")
        shot(page, f"revenue-period-{name}")
        page.goto(f"{live_server.url}/billing/revenue/aging/")
        expect(page.get_by_test_id("overdue-row")).to_have_count(3)
        shot(page, f"revenue-aging-{name}")
        if viewport is PHONE:
            assert page_width(page) <= PHONE["width"], "the receivables page"
