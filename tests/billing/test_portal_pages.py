"""The client's billing pages: my membership, credits, invoices and receipts, paying and buying."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.billing import services
from fitnesscrm.billing.models import (
    CreditGrant,
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    PaymentMethod,
)
from fitnesscrm.billing.services import memberships
from tests.billing.stripe_server import fake_stripe_fixture  # noqa: F401 (a fixture)
from tests.factories import MemberFactory, PackFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client_user):
    return MemberFactory(user=client_user, first_name="Cleo", last_name="Client")


@pytest.fixture
def other(outsider):
    return MemberFactory(user=outsider, first_name="Otto", last_name="Outsider")


def _invoice(client, price=4500, *, issue=True) -> Invoice:
    return services.invoice_create(
        actor=None,
        client=client,
        lines=[services.LineSpec(description="Personal training", unit_price_minor=price)],
        issue=issue,
    )


def _body(response) -> str:
    return response.content.decode()


# --- Only their own -------------------------------------------------------------------------------


def test_a_client_sees_their_own_invoices_and_nobody_elses(client_user, member, other, login):
    mine = _invoice(member, 4500)
    theirs = _invoice(other, 7700)
    _invoice(member, 1234, issue=False)  # a draft is not theirs to see yet

    body = _body(login(client_user).get(reverse("billing-portal:invoices")))

    assert mine.number in body and "£45.00" in body
    assert theirs.number not in body and "£77.00" not in body
    assert "£12.34" not in body


@pytest.mark.parametrize("name", ["billing-portal:invoice", "billing-portal:invoice-pdf"])
def test_the_id_of_someone_elses_invoice_is_a_404(name, client_user, member, other, login):
    theirs = _invoice(other)
    draft = _invoice(member, issue=False)
    browser = login(client_user)

    for invoice in (theirs, draft):
        assert browser.get(reverse(name, args=[invoice.pk])).status_code == 404


def test_paying_someone_elses_invoice_is_a_404_and_changes_nothing(client_user, other, login):
    theirs = _invoice(other)

    response = login(client_user).post(reverse("billing-portal:pay", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == InvoiceStatus.OPEN and theirs.amount_paid_minor == 0


def test_someone_elses_membership_cannot_be_cancelled(client_user, member, other, login):
    plan = ProductFactory()
    started = memberships.membership_start(actor=None, client=other, product=plan)
    browser = login(client_user)
    url = reverse("billing-portal:cancel", args=[started.membership.pk])

    assert browser.get(url).status_code == 404
    assert browser.post(url).status_code == 404
    started.membership.refresh_from_db()
    assert started.membership.status == MembershipStatus.ACTIVE


@pytest.mark.parametrize(
    "name", ["billing-portal:index", "billing-portal:invoices", "billing-portal:shop"]
)
def test_staff_are_sent_away_from_the_portal(name, owner, front_desk, login):
    assert login(owner).get(reverse(name)).status_code == 403
    assert login(front_desk).get(reverse(name)).status_code == 403


# --- My membership and credits ----------------------------------------------------------------


def test_my_membership_shows_the_period_the_next_payment_and_a_pause(client_user, member, login):
    plan = ProductFactory(name="Unlimited", price_minor=4500)
    started = memberships.membership_start(actor=None, client=member, product=plan)
    membership = started.membership
    today = timezone.localdate()
    membership.pauses.create(
        starts_on=today + timedelta(days=40), ends_on=today + timedelta(days=50)
    )
    pack = PackFactory(name="5 classes", credits=5)
    CreditGrant.objects.create(
        client=member,
        product=pack,
        credits=5,
        remaining=3,
        expires_on=today + timedelta(days=30),
    )

    body = _body(login(client_user).get(reverse("billing-portal:index")))

    assert "Unlimited" in body and "Active" in body
    renewal = membership.current_period_end
    assert f"£45.00 on {renewal.day} {renewal:%b %Y}" in body
    assert "(no payments)" in body  # the pause ahead
    assert "3 of 5 left" in body and "Use by" in body
    # The first invoice is waiting to be paid, with the card-payment state said plainly.
    assert started.invoice.number in body
    assert "Card payments are not set up yet" in body


def test_cancelling_shows_the_notice_rule_first_then_ends_at_the_period_end(
    client_user, member, login
):
    plan = ProductFactory(name="Unlimited", notice_days=0)
    membership = memberships.membership_start(actor=None, client=member, product=plan).membership
    browser = login(client_user)
    url = reverse("billing-portal:cancel", args=[membership.pk])
    last_day = membership.current_period_end - timedelta(days=1)

    page = _body(browser.get(url))
    response = browser.post(url, {"reason": "Moving away"})

    assert "A membership ends at the end of a billing period" in page
    assert f"it ends on <strong>{last_day.day} {last_day:%B %Y}</strong>" in page
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED
    assert membership.ends_on == last_day
    assert membership.cancel_reason == "Moving away"


def test_a_notice_period_past_this_period_is_said_before_confirming(client_user, member, login):
    plan = ProductFactory(notice_days=60)
    membership = memberships.membership_start(actor=None, client=member, product=plan).membership

    page = _body(login(client_user).get(reverse("billing-portal:cancel", args=[membership.pk])))

    ends_on = memberships.membership_cancel_preview(membership)["ends_on"]
    assert ends_on >= timezone.localdate() + timedelta(days=60)
    assert "after 60 days' notice" in page
    assert f"it ends on <strong>{ends_on.day} {ends_on:%B %Y}</strong>" in page
    assert "renewals are paid until then" in page


def test_within_the_minimum_term_the_service_refuses_and_says_until_when(
    client_user, member, login
):
    plan = ProductFactory(minimum_term_months=12)
    membership = memberships.membership_start(actor=None, client=member, product=plan).membership
    browser = login(client_user)
    url = reverse("billing-portal:cancel", args=[membership.pk])

    page = _body(browser.get(url))
    response = browser.post(url, follow=True)

    assert "Your minimum term runs until" in page
    assert "cannot be cancelled yet" in page
    assert "The minimum term runs until" in _body(response)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


# --- Invoices, receipts, PDF ----------------------------------------------------------------------


def test_an_invoice_shows_its_lines_payments_and_credit_notes(
    client_user, member, owner, front_desk, login
):
    invoice = _invoice(member, 6000)
    payment = services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=6000, method=PaymentMethod.CASH
    )
    services.refund_record(actor=owner, payment=payment, amount_minor=1500, reason="Missed class")

    body = _body(login(client_user).get(reverse("billing-portal:invoice", args=[invoice.pk])))

    assert "Personal training" in body and "£60.00" in body
    assert "Paid" in body and "Cash" in body and "£15.00 refunded" in body
    assert "CN-" in body and "Missed class" in body


def test_the_invoice_pdf_downloads(client_user, member, login):
    invoice = _invoice(member)

    response = login(client_user).get(reverse("billing-portal:invoice-pdf", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert invoice.number in response["Content-Disposition"]


def test_a_credit_note_pdf_is_the_clients_own_only(client_user, member, other, owner, login):
    def refunded(client):
        invoice = _invoice(client, 3000)
        payment = services.payment_record(
            actor=owner, invoice=invoice, amount_minor=3000, method=PaymentMethod.CASH
        )
        return services.refund_record(
            actor=owner, payment=payment, amount_minor=3000, reason="Closed"
        ).credit_note

    mine, theirs = refunded(member), refunded(other)
    browser = login(client_user)

    assert browser.get(reverse("billing-portal:credit-note-pdf", args=[mine.pk])).status_code == 200
    assert (
        browser.get(reverse("billing-portal:credit-note-pdf", args=[theirs.pk])).status_code == 404
    )


# --- Paying and the card without Stripe --------------------------------------------------------


def test_without_stripe_paying_says_to_pay_at_the_desk(client_user, member, login, settings):
    settings.STRIPE_SECRET_KEY = ""
    invoice = _invoice(member)
    browser = login(client_user)

    response = browser.post(reverse("billing-portal:pay", args=[invoice.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("billing-portal:invoice", args=[invoice.pk])
    assert "Card payments are not set up yet: please pay at the front desk." in _body(response)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_without_stripe_the_card_cannot_be_saved_and_the_page_says_why(
    client_user, member, login, settings
):
    settings.STRIPE_SECRET_KEY = ""

    response = login(client_user).post(reverse("billing-portal:card"), follow=True)

    assert "Card payments are not set up yet" in _body(response)


def test_a_paid_invoice_is_not_paid_twice(client_user, member, front_desk, login, settings):
    settings.STRIPE_SECRET_KEY = ""
    invoice = _invoice(member)
    services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=4500, method=PaymentMethod.CASH
    )

    response = login(client_user).post(
        reverse("billing-portal:pay", args=[invoice.pk]), follow=True
    )

    assert "Nothing is due on this invoice." in _body(response)


# --- Paying and the card with Stripe (the local stand-in) ----------------------------------------


def test_paying_goes_to_stripe_checkout_for_what_is_due_and_comes_back_to_the_invoice(
    client_user,
    member,
    front_desk,
    login,
    fake_stripe,
):
    invoice = _invoice(member, 4500)
    services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=1500, method=PaymentMethod.CASH
    )

    response = login(client_user).post(reverse("billing-portal:pay", args=[invoice.pk]))

    (created,) = fake_stripe.of("checkout.session")
    assert response.status_code == 302
    assert response["Location"] == created["url"]
    assert created["amount_total"] == 3000
    back = reverse("billing-portal:invoice", args=[invoice.pk])
    assert created["success_url"] == f"http://testserver{back}?checkout=done"
    assert created["cancel_url"] == f"http://testserver{back}?checkout=cancelled"


def test_updating_the_card_goes_to_stripe_in_setup_mode(
    client_user,
    member,
    login,
    fake_stripe,
):
    response = login(client_user).post(reverse("billing-portal:card"))

    (created,) = fake_stripe.of("checkout.session")
    assert created["mode"] == "setup"
    assert response["Location"] == created["url"]


# --- Buying -------------------------------------------------------------------------------------


def test_buying_a_pack_without_stripe_issues_the_invoice_and_paying_it_gives_the_credits(
    client_user, member, front_desk, login, settings
):
    settings.STRIPE_SECRET_KEY = ""
    pack = PackFactory(name="10 classes", price_minor=9000, credits=10)
    browser = login(client_user)

    response = browser.post(reverse("billing-portal:buy"), {"product": pack.pk}, follow=True)

    invoice = Invoice.objects.get(client=member)
    assert invoice.status == InvoiceStatus.OPEN and invoice.total_minor == 9000
    assert invoice.created_by is None  # made by the system on the client's behalf
    assert response.redirect_chain[-1][0] == reverse("billing-portal:invoice", args=[invoice.pk])
    assert "please pay at the front desk" in _body(response)
    assert not CreditGrant.objects.filter(client=member).exists()

    services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=9000, method=PaymentMethod.CASH
    )

    assert CreditGrant.objects.get(client=member).remaining == 10


def test_a_second_tap_on_buy_reuses_the_invoice_waiting_to_be_paid(
    client_user, member, login, settings
):
    settings.STRIPE_SECRET_KEY = ""
    pack = PackFactory()
    browser = login(client_user)

    browser.post(reverse("billing-portal:buy"), {"product": pack.pk})
    browser.post(reverse("billing-portal:buy"), {"product": pack.pk})

    assert Invoice.objects.filter(client=member).count() == 1


def test_buying_a_pack_with_stripe_goes_to_checkout(
    client_user,
    member,
    login,
    fake_stripe,
):
    pack = PackFactory(price_minor=9000)

    response = login(client_user).post(reverse("billing-portal:buy"), {"product": pack.pk})

    (created,) = fake_stripe.of("checkout.session")
    assert response["Location"] == created["url"]
    assert created["amount_total"] == 9000


def test_a_trial_is_bought_once(client_user, member, front_desk, login, settings):
    settings.STRIPE_SECRET_KEY = ""
    trial = PackFactory(kind="trial", name="Try us", price_minor=1000, credits=1)
    browser = login(client_user)
    browser.post(reverse("billing-portal:buy"), {"product": trial.pk})
    services.payment_record(
        actor=front_desk,
        invoice=Invoice.objects.get(client=member),
        amount_minor=1000,
        method=PaymentMethod.CASH,
    )

    response = browser.post(reverse("billing-portal:buy"), {"product": trial.pk}, follow=True)

    assert "A trial is for new clients, once" in _body(response)
    assert Invoice.objects.filter(client=member).count() == 1


def test_a_plan_is_not_started_online_before_it_is_paid(client_user, member, login):
    """Plans need a purchase that starts the membership once paid; until then, the desk."""
    plan = ProductFactory(name="Unlimited")
    browser = login(client_user)

    shop = _body(browser.get(reverse("billing-portal:shop")))
    response = browser.post(reverse("billing-portal:buy"), {"product": plan.pk}, follow=True)

    assert "Unlimited" in shop
    if memberships.__dict__.get("membership_purchase_start") is None:
        assert "Ask at the front desk" in shop
        assert "Plans are started at the front desk" in _body(response)
        assert not Invoice.objects.exists() and not member.memberships.exists()
    else:
        invoice = Invoice.objects.get(client=member)
        assert invoice.status == InvoiceStatus.OPEN
        assert not member.memberships.filter(status=MembershipStatus.ACTIVE).exists()


def test_something_not_on_sale_cannot_be_bought(client_user, member, login):
    retired = PackFactory(is_active=False)

    response = login(client_user).post(reverse("billing-portal:buy"), {"product": retired.pk})

    assert response.status_code == 404
    assert not Invoice.objects.exists()


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["billing-portal:index", "billing-portal:invoices"])
def test_the_portal_pages_ask_a_fixed_number_of_queries(
    name, client_user, member, login, django_assert_max_num_queries
):
    browser = login(client_user)
    plan = ProductFactory()
    memberships.membership_start(actor=None, client=member, product=plan)
    for _ in range(2):
        _invoice(member)
    browser.get(reverse(name))
    with django_assert_max_num_queries(30) as few:
        browser.get(reverse(name))
    for _ in range(12):
        _invoice(member)
        CreditGrant.objects.create(client=member, credits=2, remaining=2)

    with django_assert_max_num_queries(len(few.captured_queries)):
        browser.get(reverse(name))
