"""`fitnesscrm billing reconcile`: what missed webhook events left behind is repaired, once."""

import io

import pytest
from django.core.management import CommandError, call_command

from fitnesscrm.billing import services, stripe_gateway
from fitnesscrm.billing.models import (
    InvoiceStatus,
    Payment,
    Refund,
    StripeCustomer,
)
from tests.billing.stripe_server import (  # noqa: F401 - fixture
    fake_stripe_fixture,
    open_invoice,
    run_tasks,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _reconcile(*args) -> str:
    out = io.StringIO()
    call_command("billing", "reconcile", *args, stdout=out)
    return out.getvalue()


def _checkout(invoice, **kwargs) -> str:
    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url="https://x.test/ok", cancel_url="https://x.test/no", **kwargs
    )
    return url.rsplit("/", 1)[1]


def test_a_payment_whose_event_never_came_is_recorded_and_the_invoice_paid(fake_stripe):
    invoice = open_invoice(MemberFactory())
    fake_stripe.complete_checkout(_checkout(invoice))  # no webhook event sent

    out = _reconcile("--days", "2")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert Payment.objects.get(invoice=invoice).method == "stripe"
    assert f"recorded on invoice {invoice.number} (now paid)" in out


def test_running_it_again_repairs_nothing(fake_stripe):
    invoice = open_invoice(MemberFactory())
    fake_stripe.complete_checkout(_checkout(invoice))
    _reconcile()

    out = _reconcile()

    assert "Nothing to repair" in out
    assert Payment.objects.count() == 1


def test_a_dashboard_refund_and_a_saved_card_whose_events_were_missed_are_recorded(fake_stripe):
    member = MemberFactory()
    invoice = open_invoice(member)
    session = fake_stripe.complete_checkout(_checkout(invoice))
    _reconcile()
    fake_stripe.refund_in_dashboard(session["payment_intent"], 1000)
    url = stripe_gateway.checkout_for_card(
        client=member, success_url="https://x.test/ok", cancel_url="https://x.test/no"
    )
    StripeCustomer.objects.filter(client=member).update(
        updated_at="2000-01-01T00:00:00Z", payment_method_id=""
    )
    card = fake_stripe.add_card(brand="visa", last4="1111")
    fake_stripe.complete_checkout(url.rsplit("/", 1)[1], card=card)

    out = _reconcile()

    refund = Refund.objects.get()
    assert refund.amount_minor == 1000 and refund.credit_note.amount_minor == 1000
    assert StripeCustomer.objects.get(client=member).card_last4 == "1111"
    assert "refund re_" in out and "card of customer" in out


def test_a_refund_whose_task_was_lost_is_sent_with_its_own_key(fake_stripe, manager):
    invoice = open_invoice(MemberFactory())
    fake_stripe.complete_checkout(_checkout(invoice))
    _reconcile()
    payment = Payment.objects.get()
    refund = services.refund_via_stripe(
        actor=manager, payment=payment, amount_minor=4500, reason="Left"
    )
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the worker never ran it

    out = _reconcile()

    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert [r.idempotency_key for r in fake_stripe.posts("/v1/refunds")] == [f"refund-{refund.pk}"]
    assert f"refund #{refund.pk} sent to Stripe" in out


def test_reconcile_refuses_to_run_without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(CommandError):
        _reconcile()


def test_every_call_that_changes_something_at_stripe_carries_a_key_made_of_our_ids(
    fake_stripe, manager
):
    member = MemberFactory()
    invoice = open_invoice(member)
    fake_stripe.complete_checkout(_checkout(invoice))
    _reconcile()
    stripe_gateway.checkout_for_card(
        client=member, success_url="https://x.test/ok", cancel_url="https://x.test/no"
    )
    services.refund_via_stripe(
        actor=manager, payment=Payment.objects.get(), amount_minor=100, reason="x"
    )
    run_tasks()

    posts = fake_stripe.posts()
    assert {r.path for r in posts} >= {"/v1/customers", "/v1/checkout/sessions", "/v1/refunds"}
    for request in posts:
        assert request.idempotency_key, request.path
        assert request.idempotency_key.split("-")[0] in ("client", "invoice", "refund"), request
