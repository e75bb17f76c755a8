"""Paying an invoice and saving a card on Stripe's hosted page, confirmed by the webhook."""

import pytest
from django.test import Client as Browser

from fitnesscrm.billing import stripe_gateway
from fitnesscrm.billing.models import (
    InvoiceStatus,
    Payment,
    PaymentMethod,
    StripeCustomer,
    StripeEvent,
)
from fitnesscrm.core.errors import Conflict
from tests.billing.stripe_server import (  # noqa: F401 - fixture
    fake_stripe_fixture,
    open_invoice,
    post_event,
    run_tasks,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SUCCESS = "https://crm.example.test/billing/stripe/checkout/done/?invoice=1"
CANCEL = "https://crm.example.test/billing/stripe/checkout/cancelled/"


def _session_id(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_stripe_is_not_configured_without_a_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""

    assert stripe_gateway.is_configured() is False
    with pytest.raises(Conflict):
        stripe_gateway.checkout_for_invoice(
            invoice=open_invoice(MemberFactory()), success_url=SUCCESS, cancel_url=CANCEL
        )


def test_paying_on_the_checkout_page_pays_the_invoice_once_the_event_arrives(fake_stripe):
    member = MemberFactory(email="payer@example.test")
    invoice = open_invoice(member, price=4500)

    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    session = fake_stripe.complete_checkout(_session_id(url))
    response = post_event(Browser(), "checkout.session.completed", session)

    assert response.status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN, "the work waits for the task"
    run_tasks()
    invoice.refresh_from_db()
    payment = Payment.objects.get(invoice=invoice)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.amount_paid_minor == 4500
    assert payment.method == PaymentMethod.STRIPE
    assert payment.stripe_payment_intent == session["payment_intent"]
    assert StripeEvent.objects.get().processed_at is not None


def test_the_checkout_page_charges_what_is_due_and_saves_the_card_for_renewals(fake_stripe):
    member = MemberFactory()
    invoice = open_invoice(member, price=4500)

    stripe_gateway.checkout_for_invoice(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)

    [request] = fake_stripe.posts("/v1/checkout/sessions")
    assert request.params["mode"] == "payment"
    assert request.params["line_items"][0]["price_data"]["unit_amount"] == "4500"
    assert request.params["line_items"][0]["price_data"]["currency"] == "gbp"
    assert request.params["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert request.params["metadata"]["invoice_id"] == str(invoice.pk)
    assert request.params["customer"] == StripeCustomer.objects.get(client=member).customer_id


def test_the_card_used_on_the_checkout_page_is_kept_by_brand_last_digits_and_expiry(fake_stripe):
    member = MemberFactory()
    invoice = open_invoice(member)
    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    card = fake_stripe.add_card(brand="mastercard", last4="4444")
    session = fake_stripe.complete_checkout(_session_id(url), card=card)

    post_event(Browser(), "checkout.session.completed", session)
    run_tasks()

    saved = StripeCustomer.objects.get(client=member)
    assert saved.payment_method_id == card["id"]
    assert (saved.card_brand, saved.card_last4) == ("mastercard", "4444")
    assert (saved.card_exp_month, saved.card_exp_year) == (12, 2030)


def test_asking_twice_for_the_same_page_gives_the_same_page_and_one_customer(fake_stripe):
    member = MemberFactory()
    invoice = open_invoice(member)

    first = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    second = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )

    assert first == second
    assert len(fake_stripe.of("checkout.session")) == 1
    assert len(fake_stripe.of("customer")) == 1
    assert StripeCustomer.objects.filter(client=member).count() == 1


def test_a_paid_or_void_invoice_gets_no_checkout_page(fake_stripe, manager):
    from fitnesscrm.billing import services

    invoice = open_invoice(MemberFactory())
    services.invoice_void(actor=manager, invoice=invoice, reason="Issued twice")

    with pytest.raises(Conflict):
        stripe_gateway.checkout_for_invoice(invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL)
    assert fake_stripe.posts("/v1/checkout/sessions") == []


def test_saving_a_card_on_the_setup_page_replaces_the_card_for_renewals(fake_stripe):
    member = MemberFactory()
    url = stripe_gateway.checkout_for_card(client=member, success_url=SUCCESS, cancel_url=CANCEL)
    [request] = fake_stripe.posts("/v1/checkout/sessions")
    assert request.params["mode"] == "setup"

    card = fake_stripe.add_card(brand="amex", last4="0005")
    session = fake_stripe.complete_checkout(_session_id(url), card=card)
    post_event(Browser(), "checkout.session.completed", session)
    run_tasks()

    saved = StripeCustomer.objects.get(client=member)
    assert (saved.payment_method_id, saved.card_brand, saved.card_last4) == (
        card["id"],
        "amex",
        "0005",
    )


def test_the_return_page_says_payment_received_once_the_invoice_is_paid(
    fake_stripe, client_user, login
):
    member = MemberFactory(user=client_user)
    invoice = open_invoice(member)
    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    browser = login(client_user)

    waiting = browser.get(f"/billing/stripe/checkout/done/?invoice={invoice.pk}")
    post_event(
        Browser(), "checkout.session.completed", fake_stripe.complete_checkout(_session_id(url))
    )
    run_tasks()
    paid = browser.get(f"/billing/stripe/checkout/done/?invoice={invoice.pk}")

    assert "being confirmed" in waiting.content.decode()
    assert "Payment received" in paid.content.decode()
    assert invoice.number in paid.content.decode()


def test_the_return_page_does_not_show_another_clients_invoice(client_user, outsider, login):
    invoice = open_invoice(MemberFactory(user=client_user))
    MemberFactory(user=outsider)

    page = login(outsider).get(f"/billing/stripe/checkout/done/?invoice={invoice.pk}")

    assert page.status_code == 200
    assert invoice.number not in page.content.decode()


def test_leaving_the_checkout_page_says_nothing_was_charged(client_user, login):
    MemberFactory(user=client_user)

    page = login(client_user).get("/billing/stripe/checkout/cancelled/")

    assert "nothing was charged" in page.content.decode()
