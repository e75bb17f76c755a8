"""Invoices: totals and tax, numbering without gaps, payments, refunds and credit notes."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fitnesscrm.billing import services
from fitnesscrm.billing.models import (
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    PromoCode,
    PromoKind,
    TaxRate,
)
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.money import parse_amount, split_tax
from tests.factories import MemberFactory, ProductFactory, TaxRateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _line(price, *, rate=None, quantity=1, product=None, text="Monthly membership"):
    return services.LineSpec(
        description=text, unit_price_minor=price, quantity=quantity, tax_rate=rate, product=product
    )


def test_a_price_with_vat_included_splits_into_net_and_tax(front_desk):
    vat = TaxRateFactory(percent=Decimal("20"), inclusive=True)

    invoice = services.invoice_create(
        actor=front_desk, client=MemberFactory(), lines=[_line(4500, rate=vat)]
    )

    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (3750, 750, 4500)
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number is None


def test_tax_on_top_is_added_and_a_promo_code_is_taken_off_before_tax(front_desk):
    vat = TaxRateFactory(percent=Decimal("20"), inclusive=False)
    PromoCode.objects.create(code="SPRING", kind=PromoKind.PERCENT, value=10, currency="GBP")

    invoice = services.invoice_create(
        actor=front_desk,
        client=MemberFactory(),
        lines=[_line(1000, rate=vat, quantity=3), _line(500, rate=vat, text="Towel hire")],
        promo_code="spring",
    )

    assert invoice.discount_minor == 350
    assert invoice.subtotal_minor == 3150
    assert invoice.tax_minor == 630
    assert invoice.total_minor == 3780


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(min_value=0, max_value=10_000_000),
    percent=st.decimals(min_value=0, max_value=100, places=3),
    inclusive=st.booleans(),
)
def test_net_plus_tax_is_always_the_gross_and_tax_is_never_negative(amount, percent, inclusive):
    split = split_tax(amount, percent, inclusive=inclusive)

    assert split.net + split.tax == split.gross
    assert split.tax >= 0 and split.net >= 0
    assert (split.gross if inclusive else split.net) == amount


@settings(max_examples=100, deadline=None)
@given(
    prices=st.lists(st.integers(min_value=0, max_value=500_000), min_size=1, max_size=8),
    off=st.integers(min_value=1, max_value=100),
)
def test_a_discount_is_spread_over_the_lines_to_the_penny(prices, off):
    promo, _ = PromoCode.objects.update_or_create(
        code="EVERYTHING", defaults={"kind": PromoKind.PERCENT, "value": off, "currency": "GBP"}
    )
    rate = TaxRate(name="VAT", percent=Decimal("20"), inclusive=True)

    lines = services.compute_lines([_line(p, rate=rate) for p in prices], promo)

    total_discount = sum(line.discount_minor for line in lines)
    expected = int(
        (Decimal(sum(prices)) * off / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    )
    assert total_discount == expected
    for line, price in zip(lines, prices, strict=True):
        assert 0 <= line.discount_minor <= price
        assert line.net_minor + line.tax_minor == line.total_minor == price - line.discount_minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "cannot be negative"),
        ("0", "more than zero"),
        ("12.345", "2 decimal places at most"),
        ("twelve", "such as 12.50"),
        ("99999999", "over 10,000,000"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        parse_amount(text, "GBP")
    assert refused.value.errors[0]["field"] == "amount"


def test_amounts_follow_the_currency_s_decimals():
    assert parse_amount("12.5", "GBP") == 1250
    assert parse_amount("1250", "JPY") == 1250
    with pytest.raises(ApplicationError, match="no decimal places"):
        parse_amount("12.5", "JPY")
    assert parse_amount("1.234", "BHD") == 1234


def test_issuing_numbers_invoices_in_order_per_year(front_desk):
    client = MemberFactory()
    numbers = []
    for _ in range(3):
        draft = services.invoice_create(actor=front_desk, client=client, lines=[_line(1000)])
        numbers.append(services.invoice_issue(actor=front_desk, invoice=draft).number)

    year = timezone.localdate().year
    assert numbers == [f"INV-{year}-000001", f"INV-{year}-000002", f"INV-{year}-000003"]


def test_a_rolled_back_issue_leaves_no_gap(front_desk):
    client = MemberFactory()
    promo = PromoCode.objects.create(
        code="ONCE", kind=PromoKind.AMOUNT, value=100, currency="GBP", max_uses=1
    )
    first = services.invoice_create(
        actor=front_desk, client=client, lines=[_line(1000)], promo_code="ONCE"
    )
    second = services.invoice_create(
        actor=front_desk, client=client, lines=[_line(1000)], promo_code="ONCE"
    )
    services.invoice_issue(actor=front_desk, invoice=first)

    with pytest.raises(ApplicationError, match="used up"):
        services.invoice_issue(actor=front_desk, invoice=second)

    third = services.invoice_create(actor=front_desk, client=client, lines=[_line(1000)])
    issued = services.invoice_issue(actor=front_desk, invoice=third)
    assert issued.number.endswith("000002")
    promo.refresh_from_db()
    assert promo.uses == 1


def test_partial_payments_then_the_rest_make_the_invoice_paid(front_desk):
    invoice = services.invoice_create(
        actor=front_desk, client=MemberFactory(), lines=[_line(4500)], issue=True
    )

    services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=2000, method=PaymentMethod.CASH
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due_minor) == (InvoiceStatus.OPEN, 2500)

    services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=2500, method=PaymentMethod.CARD_TERMINAL
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_at is not None


def test_paying_more_than_is_due_or_a_void_invoice_is_refused(front_desk, owner):
    invoice = services.invoice_create(
        actor=front_desk, client=MemberFactory(), lines=[_line(1000)], issue=True
    )
    with pytest.raises(ApplicationError, match=r"Only £10\.00 is due"):
        services.payment_record(
            actor=front_desk, invoice=invoice, amount_minor=1001, method=PaymentMethod.CASH
        )
    services.invoice_void(actor=owner, invoice=invoice, reason="Wrong client")
    with pytest.raises(Conflict, match="void"):
        services.payment_record(
            actor=front_desk, invoice=invoice, amount_minor=500, method=PaymentMethod.CASH
        )


def test_a_refund_gets_a_credit_note_and_never_exceeds_the_payment(front_desk, owner):
    invoice = services.invoice_create(
        actor=front_desk,
        client=MemberFactory(),
        lines=[_line(6000, rate=TaxRateFactory(percent=Decimal("20")))],
        issue=True,
    )
    payment = services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=6000, method=PaymentMethod.CASH
    )

    refund = services.refund_record(
        actor=owner, payment=payment, amount_minor=1200, reason="Class cancelled"
    )

    note = refund.credit_note
    assert note.number == f"CN-{timezone.localdate().year}-000001"
    assert (note.amount_minor, note.tax_minor) == (1200, 200)
    with pytest.raises(ApplicationError, match=r"At most £48\.00"):
        services.refund_record(actor=owner, payment=payment, amount_minor=4801, reason="Too much")
    payment.refresh_from_db()
    assert payment.refunded_minor == 1200


def test_the_front_desk_takes_payments_but_does_not_refund_or_void(front_desk):
    invoice = services.invoice_create(
        actor=front_desk, client=MemberFactory(), lines=[_line(1000)], issue=True
    )
    payment = services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=1000, method=PaymentMethod.CASH
    )
    with pytest.raises(Forbidden):
        services.refund_record(actor=front_desk, payment=payment, amount_minor=100, reason="x")
    with pytest.raises(Forbidden):
        services.invoice_create(
            actor=UserFactory(role="trainer"), client=MemberFactory(), lines=[_line(1)]
        )


def test_an_expired_promo_code_is_refused(front_desk):
    PromoCode.objects.create(
        code="OLD",
        kind=PromoKind.AMOUNT,
        value=500,
        currency="GBP",
        valid_until=timezone.localdate() - timedelta(days=1),
    )

    with pytest.raises(ApplicationError, match="expired"):
        services.invoice_create(
            actor=front_desk, client=MemberFactory(), lines=[_line(1000)], promo_code="old"
        )
    assert not Invoice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_invoices_issued_at_the_same_moment_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    desk = UserFactory(role="front_desk")
    product = ProductFactory()
    drafts = [
        services.invoice_create(
            actor=desk, client=MemberFactory(), lines=[_line(1000, product=product)]
        )
        for _ in range(8)
    ]
    barrier = threading.Barrier(len(drafts))
    numbers, errors = [], []

    def issue(draft):
        try:
            barrier.wait()
            numbers.append(services.invoice_issue(actor=desk, invoice=draft).sequence)
        except Exception as exc:  # the test reports any failure below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(numbers) == list(range(1, 9))
