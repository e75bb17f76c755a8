"""Refunds of card payments through Stripe, each with a credit note; dashboard refunds too."""

import pytest
from django.test import Client as Browser

from fitnesscrm.billing import services, stripe_gateway
from fitnesscrm.billing.models import CreditNote, Payment, Refund, RefundStatus
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from tests.billing.stripe_server import (  # noqa: F401 - fixture
    fake_stripe_fixture,
    open_invoice,
    post_event,
    run_tasks,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _card_payment(fake_stripe, price=4500) -> Payment:
    invoice = open_invoice(MemberFactory(), price=price)
    url = stripe_gateway.checkout_for_invoice(
        invoice=invoice, success_url="https://x.test/ok", cancel_url="https://x.test/no"
    )
    session = fake_stripe.complete_checkout(url.rsplit("/", 1)[1])
    post_event(Browser(), "checkout.session.completed", session)
    run_tasks()
    return Payment.objects.get(invoice=invoice)


def test_a_full_refund_goes_back_to_the_card_with_a_credit_note(fake_stripe, manager):
    payment = _card_payment(fake_stripe)

    refund = services.refund_via_stripe(
        actor=manager, payment=payment, amount_minor=4500, reason="Moved away"
    )
    assert refund.status == RefundStatus.PENDING
    assert fake_stripe.posts("/v1/refunds") == [], "Stripe is asked after the commit"
    run_tasks()

    refund.refresh_from_db()
    payment.refresh_from_db()
    [request] = fake_stripe.posts("/v1/refunds")
    assert request.params["amount"] == "4500"
    assert request.params["payment_intent"] == payment.stripe_payment_intent
    assert request.idempotency_key == f"refund-{refund.pk}"
    assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_refund.startswith("re_")
    assert payment.refunded_minor == 4500 and payment.refundable_minor == 0
    note = refund.credit_note
    assert note.amount_minor == 4500 and note.number.startswith("CN-")
    assert note.tax_minor == 0


def test_partial_refunds_add_up_and_never_exceed_the_payment(fake_stripe, manager):
    payment = _card_payment(fake_stripe, price=6000)

    services.refund_via_stripe(actor=manager, payment=payment, amount_minor=1000, reason="Late")
    services.refund_via_stripe(actor=manager, payment=payment, amount_minor=2000, reason="Closed")
    run_tasks()
    payment.refresh_from_db()

    assert payment.refunded_minor == 3000
    assert sorted(CreditNote.objects.values_list("amount_minor", flat=True)) == [1000, 2000]
    assert set(Refund.objects.values_list("status", flat=True)) == {RefundStatus.SUCCEEDED}
    with pytest.raises(ApplicationError) as too_much:
        services.refund_via_stripe(actor=manager, payment=payment, amount_minor=3001, reason="x")
    assert too_much.value.code == "over_refund"


def test_the_refund_event_after_our_own_refund_records_nothing_more(fake_stripe, manager):
    payment = _card_payment(fake_stripe)
    services.refund_via_stripe(actor=manager, payment=payment, amount_minor=500, reason="Towel")
    run_tasks()
    [refund] = fake_stripe.of("refund")

    post_event(Browser(), "refund.updated", refund)
    post_event(Browser(), "charge.refunded", fake_stripe.charge_of(payment.stripe_payment_intent))
    run_tasks()

    assert Refund.objects.count() == 1 and CreditNote.objects.count() == 1


def test_a_refund_made_in_stripes_dashboard_gets_its_refund_and_credit_note_once(
    fake_stripe,
):
    payment = _card_payment(fake_stripe)
    fake_stripe.refund_in_dashboard(payment.stripe_payment_intent, 1500)
    charge = fake_stripe.charge_of(payment.stripe_payment_intent)

    post_event(Browser(), "charge.refunded", charge)
    post_event(Browser(), "charge.refunded", charge)
    run_tasks()

    payment.refresh_from_db()
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.via_stripe, refund.status) == (1500, True, "succeeded")
    assert refund.created_by is None
    assert payment.refunded_minor == 1500
    assert CreditNote.objects.get().amount_minor == 1500


def test_a_pending_refund_becomes_succeeded_when_stripe_says_so(fake_stripe, manager):
    payment = _card_payment(fake_stripe)
    fake_stripe.refunds_pending = True
    refund = services.refund_via_stripe(
        actor=manager, payment=payment, amount_minor=4500, reason="Injury"
    )
    run_tasks()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.stripe_refund

    fake_stripe.objects[refund.stripe_refund]["status"] = "succeeded"
    post_event(Browser(), "refund.updated", fake_stripe.objects[refund.stripe_refund])
    run_tasks()

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED


def test_a_refund_stripe_refuses_fails_and_the_money_can_be_refunded_again(fake_stripe, manager):
    payment = _card_payment(fake_stripe)
    fake_stripe.refuse_refunds = True

    refund = services.refund_via_stripe(
        actor=manager, payment=payment, amount_minor=4500, reason="Unhappy"
    )
    run_tasks()

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert payment.refundable_minor == 4500


def test_a_failed_refund_reported_later_gives_the_amount_back(fake_stripe, manager):
    payment = _card_payment(fake_stripe)
    refund = services.refund_via_stripe(
        actor=manager, payment=payment, amount_minor=900, reason="x"
    )
    run_tasks()
    refund.refresh_from_db()

    fake_stripe.objects[refund.stripe_refund]["status"] = "failed"
    post_event(Browser(), "refund.failed", fake_stripe.objects[refund.stripe_refund])
    post_event(Browser(), "refund.failed", fake_stripe.objects[refund.stripe_refund])
    run_tasks()

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert payment.refunded_minor == 0


def test_only_owners_and_managers_refund_and_card_payments_are_not_refunded_by_hand(
    fake_stripe, front_desk, manager
):
    payment = _card_payment(fake_stripe)

    with pytest.raises(Forbidden):
        services.refund_via_stripe(actor=front_desk, payment=payment, amount_minor=100, reason="x")
    with pytest.raises(Conflict):
        services.refund_record(actor=manager, payment=payment, amount_minor=100, reason="x")
    assert Refund.objects.count() == 0


def test_a_cash_payment_is_not_refunded_through_stripe(fake_stripe, manager, front_desk):
    invoice = open_invoice(MemberFactory())
    cash = services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=4500, method="cash"
    )

    with pytest.raises(Conflict):
        services.refund_via_stripe(actor=manager, payment=cash, amount_minor=100, reason="x")
