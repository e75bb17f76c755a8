"""Charging the saved card on renewal, and dunning when it fails: retries, emails, staff."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.billing import services, stripe_gateway
from fitnesscrm.billing.models import (
    BillingSettings,
    InvoiceStatus,
    MembershipStatus,
    Payment,
    StripeCustomer,
)
from fitnesscrm.billing.selectors import active_membership
from fitnesscrm.billing.services import dunning
from fitnesscrm.core.errors import Conflict, Forbidden
from fitnesscrm.core.models import AuditEntry
from tests.billing.stripe_server import (  # noqa: F401 - fixture
    fake_stripe_fixture,
    membership_for,
    open_invoice,
    post_event,
    run_tasks,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _member_with_card(fake_stripe, *, declines=False, email="member@example.test"):
    member = MemberFactory(email=email)
    customer = stripe_gateway.customer_for(member)
    card = fake_stripe.add_card(declines=declines)
    customer.payment_method_id = card["id"]
    customer.card_brand, customer.card_last4 = "visa", card["card"]["last4"]
    customer.save()
    return member


def _renewal(fake_stripe, *, declines=False):
    member = _member_with_card(fake_stripe, declines=declines)
    membership = membership_for(member)
    return membership, open_invoice(member, membership=membership)


def _fix_card(fake_stripe, member):
    card = fake_stripe.add_card(last4="1881")
    StripeCustomer.objects.filter(client=member).update(payment_method_id=card["id"])


def _at(days: float):
    return timezone.now() + timedelta(days=days, minutes=1)


def test_a_renewal_is_charged_to_the_saved_card_and_paid_at_once(fake_stripe):
    _, invoice = _renewal(fake_stripe)

    outcome = stripe_gateway.charge_off_session(invoice=invoice)

    invoice.refresh_from_db()
    assert outcome == "succeeded"
    assert invoice.status == InvoiceStatus.PAID
    [charge] = fake_stripe.posts("/v1/payment_intents")
    assert charge.params["off_session"] == "true" and charge.params["confirm"] == "true"
    assert charge.params["amount"] == "4500"
    assert charge.idempotency_key == f"invoice-{invoice.pk}-attempt-1"
    assert Payment.objects.get(invoice=invoice).stripe_payment_intent


def test_the_webhook_confirming_a_renewal_charge_records_nothing_more(fake_stripe):
    _, invoice = _renewal(fake_stripe)
    stripe_gateway.charge_off_session(invoice=invoice)
    [intent] = fake_stripe.of("payment_intent")

    post_event(Browser(), "payment_intent.succeeded", intent)
    run_tasks()

    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_client_without_a_saved_card_is_not_charged(fake_stripe):
    member = MemberFactory()
    invoice = open_invoice(member, membership=membership_for(member))

    assert stripe_gateway.charge_off_session(invoice=invoice) == "no_card"
    assert fake_stripe.posts("/v1/payment_intents") == []


def test_a_declined_renewal_starts_dunning_on_the_default_days(fake_stripe):
    membership, invoice = _renewal(fake_stripe, declines=True)
    before = timezone.now()

    outcome = stripe_gateway.charge_off_session(invoice=invoice)

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert outcome == "failed"
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.failed_attempts == 1
    assert before + timedelta(days=1) <= invoice.next_attempt_at <= timezone.now() + timedelta(1)
    assert membership.status == MembershipStatus.PAST_DUE
    assert active_membership(membership.client_id) is None, "bookings are blocked"


def test_the_client_is_emailed_a_link_to_pay_or_update_the_card(fake_stripe):
    _, invoice = _renewal(fake_stripe, declines=True)

    stripe_gateway.charge_off_session(invoice=invoice)
    run_tasks()

    [message] = mail.outbox
    pay = reverse("billing-portal:invoice", kwargs={"invoice_id": invoice.pk})
    assert message.to == ["member@example.test"]
    assert invoice.number in message.subject
    assert dunning.site_url(pay) in message.body
    assert f"Update your card: {dunning.site_url(reverse('billing-portal:card'))}" in message.body
    assert "We will try again on" in message.body
    assert pay in message.alternatives[0][0]


def test_the_failure_event_after_the_charge_counts_the_attempt_once(fake_stripe):
    _, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)
    [intent] = fake_stripe.of("payment_intent")

    post_event(Browser(), "payment_intent.payment_failed", intent)
    post_event(Browser(), "payment_intent.payment_failed", intent)
    run_tasks()

    invoice.refresh_from_db()
    assert invoice.failed_attempts == 1
    assert len(mail.outbox) == 1


def test_the_retry_on_its_day_charges_the_updated_card_and_ends_dunning(fake_stripe):
    membership, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)
    _fix_card(fake_stripe, membership.client)

    early = dunning.retry_due(now=_at(0.5))
    report = dunning.retry_due(now=_at(1))

    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert early.as_dict()["succeeded"] == 0
    assert report.succeeded == 1
    assert invoice.status == InvoiceStatus.PAID and invoice.next_attempt_at is None
    assert membership.status == MembershipStatus.ACTIVE
    keys = [r.idempotency_key for r in fake_stripe.posts("/v1/payment_intents")]
    assert keys == [f"invoice-{invoice.pk}-attempt-1", f"invoice-{invoice.pk}-attempt-2"]


def test_retries_follow_the_owners_days_and_then_the_owner_is_told(fake_stripe, owner):
    policy = BillingSettings.load()
    policy.dunning_days = [2, 5]
    policy.save()
    _, invoice = _renewal(fake_stripe, declines=True)
    first = timezone.now()

    stripe_gateway.charge_off_session(invoice=invoice)
    run_tasks()
    invoice.refresh_from_db()
    assert abs(invoice.next_attempt_at - (first + timedelta(days=2))) < timedelta(minutes=1)
    dunning.retry_due(now=invoice.next_attempt_at)
    run_tasks()
    invoice.refresh_from_db()
    assert invoice.failed_attempts == 2
    # Day 5 after the first failure: three days after the retry on day 2.
    assert abs(invoice.next_attempt_at - (first + timedelta(days=5))) < timedelta(minutes=1)
    dunning.retry_due(now=invoice.next_attempt_at)
    run_tasks()

    invoice.refresh_from_db()
    assert invoice.failed_attempts == 3
    assert invoice.status == InvoiceStatus.OPEN and invoice.next_attempt_at is None
    assert AuditEntry.objects.filter(action="invoice.dunning_exhausted").count() == 1
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(to_owner) == 1 and invoice.number in to_owner[0].subject
    assert len([m for m in mail.outbox if m.to == ["member@example.test"]]) == 3
    assert dunning.retry_due(now=_at(60)).as_dict() == {
        "succeeded": 0,
        "failed": 0,
        "no_card": 0,
        "taken": 0,
    }


def test_two_schedulers_never_charge_the_same_retry_twice(fake_stripe):
    _, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)
    invoice.refresh_from_db()
    listed_at = invoice.next_attempt_at

    assert dunning._claim(invoice.pk, listed_at) is True
    assert dunning._claim(invoice.pk, listed_at) is False


def test_stripe_unreachable_leaves_the_attempt_uncounted_and_retries_with_the_same_key(
    fake_stripe, settings
):
    _, invoice = _renewal(fake_stripe)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    outcome = stripe_gateway.charge_off_session(invoice=invoice)

    invoice.refresh_from_db()
    assert outcome == "failed"
    assert invoice.failed_attempts == 0
    assert invoice.next_attempt_at is not None
    settings.STRIPE_API_BASE = fake_stripe.url
    dunning.retry_due(now=invoice.next_attempt_at)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert [r.idempotency_key for r in fake_stripe.posts("/v1/payment_intents")] == [
        f"invoice-{invoice.pk}-attempt-1"
    ]


def test_staff_can_retry_now_and_the_charge_runs_in_the_background(fake_stripe, front_desk):
    membership, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)
    _fix_card(fake_stripe, membership.client)

    services.dunning_retry_now(actor=front_desk, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN and invoice.next_attempt_at is None
    run_tasks()

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert AuditEntry.objects.filter(action="invoice.retry_now", actor=front_desk).exists()


def test_the_invoice_page_offers_to_charge_the_saved_card_and_does_it(
    fake_stripe, front_desk, login
):
    membership, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)
    _fix_card(fake_stripe, membership.client)
    desk = login(front_desk)

    page = desk.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    answer = desk.post(reverse("billing:invoice-charge-card", args=[invoice.pk]), follow=True)
    run_tasks()

    assert 'data-testid="charge-card"' in page
    assert "The saved card is being charged" in answer.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_retry_now_is_refused_to_trainers_and_without_a_card(fake_stripe, trainer, manager):
    _, invoice = _renewal(fake_stripe, declines=True)
    member = MemberFactory()
    no_card = open_invoice(member)

    with pytest.raises(Forbidden):
        services.dunning_retry_now(actor=trainer, invoice=invoice)
    with pytest.raises(Conflict):
        services.dunning_retry_now(actor=manager, invoice=no_card)


def test_writing_the_invoice_off_stops_the_retries(fake_stripe, manager):
    _, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)

    services.invoice_write_off(actor=manager, invoice=invoice, reason="Moved abroad")

    assert dunning.retry_due(now=_at(30)).as_dict()["failed"] == 0
    assert len(fake_stripe.posts("/v1/payment_intents")) == 1


def test_paying_at_the_desk_during_dunning_ends_it(fake_stripe, front_desk):
    membership, invoice = _renewal(fake_stripe, declines=True)
    stripe_gateway.charge_off_session(invoice=invoice)

    services.payment_record(actor=front_desk, invoice=invoice, amount_minor=4500, method="cash")

    membership.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.next_attempt_at is None
    assert membership.status == MembershipStatus.ACTIVE
    assert dunning.retry_due(now=_at(30)).as_dict()["failed"] == 0


def test_bookings_stay_open_after_a_failure_when_the_owner_allows_it(fake_stripe):
    policy = BillingSettings.load()
    policy.block_booking_when_past_due = False
    policy.save()
    membership, invoice = _renewal(fake_stripe, declines=True)

    stripe_gateway.charge_off_session(invoice=invoice)

    assert active_membership(membership.client_id) == membership
