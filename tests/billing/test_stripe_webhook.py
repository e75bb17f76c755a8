"""The webhook endpoint: signed, stored once, out of order, strangers skipped, no card data."""

import json
import logging
import time

import pytest
from django.test import Client as Browser

from fitnesscrm.billing import stripe_gateway
from fitnesscrm.billing.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    StripeCustomer,
    StripeEvent,
)
from tests.billing.stripe_server import (  # noqa: F401 - fixture
    WEBHOOK_SECRET,
    fake_stripe_fixture,
    open_invoice,
    post_event,
    run_tasks,
    signed_event,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

URL = "/billing/stripe/webhook"
SUCCESS = "https://crm.example.test/done/"
CANCEL = "https://crm.example.test/cancelled/"


def _paid_session(fake_stripe, member=None, price=4500):
    invoice = open_invoice(member or MemberFactory(), price=price)
    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    return invoice, fake_stripe.complete_checkout(url.rsplit("/", 1)[1])


def test_an_event_with_a_forged_signature_is_refused_and_nothing_is_stored(fake_stripe):
    invoice, session = _paid_session(fake_stripe)
    body, _ = signed_event("checkout.session.completed", session, secret="whsec_not_ours")
    _, real = signed_event("checkout.session.completed", session, secret=WEBHOOK_SECRET)

    forged = Browser().post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signed_event(
            "checkout.session.completed", session, secret="whsec_not_ours"
        )[1],
    )
    tampered = Browser().post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=real
    )

    assert forged.status_code == 400
    assert tampered.status_code == 400
    assert forged.json()["code"] == "bad_webhook"
    assert StripeEvent.objects.count() == 0
    run_tasks()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_an_event_without_a_signature_or_signed_long_ago_is_refused(fake_stripe):
    _, session = _paid_session(fake_stripe)
    body, _ = signed_event("checkout.session.completed", session, secret=WEBHOOK_SECRET)

    unsigned = Browser().post(URL, data=body, content_type="application/json")
    stale = post_event(
        Browser(), "checkout.session.completed", session, signed_at=int(time.time()) - 3600
    )
    garbage = Browser().post(
        URL, data=b"not json", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
    )

    assert (unsigned.status_code, stale.status_code, garbage.status_code) == (400, 400, 400)
    assert StripeEvent.objects.count() == 0


def test_the_endpoint_takes_only_post_and_needs_no_csrf_token(fake_stripe):
    _, session = _paid_session(fake_stripe)
    strict = Browser(enforce_csrf_checks=True)

    assert strict.get(URL).status_code == 405
    assert post_event(strict, "checkout.session.completed", session).status_code == 200


def test_a_replayed_event_is_acknowledged_and_pays_nothing_twice(fake_stripe):
    invoice, session = _paid_session(fake_stripe)

    first = post_event(Browser(), "checkout.session.completed", session, event_id="evt_same")
    run_tasks()
    again = post_event(Browser(), "checkout.session.completed", session, event_id="evt_same")
    ran_again = run_tasks()

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert ran_again == []
    assert StripeEvent.objects.count() == 1
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_two_events_about_one_payment_record_it_once(fake_stripe):
    invoice, session = _paid_session(fake_stripe)
    intent = fake_stripe.objects[session["payment_intent"]]

    post_event(Browser(), "payment_intent.succeeded", intent)
    post_event(Browser(), "checkout.session.completed", session)
    run_tasks()

    invoice.refresh_from_db()
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert invoice.amount_paid_minor == 4500 and invoice.status == InvoiceStatus.PAID


def test_a_late_failure_event_does_not_undo_a_payment_that_went_through(fake_stripe):
    invoice, session = _paid_session(fake_stripe)
    intent = fake_stripe.objects[session["payment_intent"]]
    older = {**intent, "status": "requires_payment_method"}

    post_event(Browser(), "payment_intent.succeeded", intent, created=int(time.time()))
    post_event(Browser(), "payment_intent.payment_failed", older, created=int(time.time()) - 60)
    run_tasks()

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.failed_attempts == 0


def test_an_old_failure_event_arriving_first_still_lets_the_payment_be_recorded(fake_stripe):
    invoice, session = _paid_session(fake_stripe)
    intent = fake_stripe.objects[session["payment_intent"]]

    # Stripe says the intent now succeeded, whatever the stale event carried.
    post_event(
        Browser(), "payment_intent.payment_failed", {**intent, "status": "requires_payment_method"}
    )
    run_tasks()

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_an_event_for_a_customer_we_do_not_know_is_acknowledged_and_changes_nothing(
    fake_stripe, caplog
):
    invoice, session = _paid_session(fake_stripe)
    stranger = {**session, "customer": "cus_someone_else"}

    with caplog.at_level(logging.WARNING, logger="fitnesscrm.billing.stripe_events"):
        response = post_event(Browser(), "checkout.session.completed", stranger)
        run_tasks()

    assert response.status_code == 200
    assert "unknown customer" in caplog.text
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert Payment.objects.count() == 0
    assert StripeEvent.objects.get().processed_at is not None


def test_an_event_type_we_do_not_use_is_stored_and_acknowledged(fake_stripe):
    response = post_event(Browser(), "customer.updated", {"id": "cus_x", "object": "customer"})
    run_tasks()

    assert response.status_code == 200
    assert StripeEvent.objects.get().processed_at is not None


def test_a_payment_for_an_invoice_paid_at_the_desk_meanwhile_is_not_counted_twice(
    fake_stripe, front_desk
):
    from fitnesscrm.billing import services

    invoice, session = _paid_session(fake_stripe)
    services.payment_record(actor=front_desk, invoice=invoice, amount_minor=4500, method="cash")

    post_event(Browser(), "checkout.session.completed", session)
    run_tasks()

    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == 4500
    assert not Payment.objects.filter(method="stripe").exists()
    from fitnesscrm.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="stripe.payment_unapplied").exists()


def test_no_card_number_reaches_our_database_or_logs(fake_stripe, caplog):
    member = MemberFactory()
    invoice = open_invoice(member)
    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    card = fake_stripe.add_card(last4="4242")
    with caplog.at_level(logging.DEBUG):
        post_event(
            Browser(),
            "checkout.session.completed",
            fake_stripe.complete_checkout(url.rsplit("/", 1)[1], card=card),
        )
        run_tasks()

    # Everything we sent to Stripe, everything we stored and logged: no card fields.
    sent = json.dumps([r.params for r in fake_stripe.requests])
    stored = json.dumps(list(StripeEvent.objects.values_list("payload", flat=True)))
    saved = StripeCustomer.objects.get(client=member)
    for text in (sent, stored, caplog.text):
        assert "4242424242424242" not in text
        assert '"cvc"' not in text and '"number"' not in text
    assert saved.card_last4 == "4242"
    assert {f.name for f in StripeCustomer._meta.fields} >= {"card_last4"}
    assert not any("number" in f.name or "cvc" in f.name for f in StripeCustomer._meta.fields)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
