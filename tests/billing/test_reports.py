"""Revenue reports: MRR, money in by period, by product and by trainer, receivables aging, CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.billing import reports, services
from fitnesscrm.billing.models import (
    Interval,
    Invoice,
    Membership,
    MembershipPause,
    MembershipStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from fitnesscrm.core.errors import ApplicationError, Forbidden
from tests.factories import MemberFactory, PackFactory, ProductFactory, TrainerFactory

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate()


def _days_ago(days: int):
    """A moment `days` ago, at least a minute in the past (payments cannot be in the future)."""
    return timezone.now() - timedelta(days=days, minutes=1)


def _invoice(actor, client, *lines, currency=None) -> Invoice:
    return services.invoice_create(
        actor=actor, client=client, lines=list(lines), currency=currency, issue=True
    )


def _line(product=None, *, price=None, trainer=None, text=None):
    return services.LineSpec(
        description=text or (product.name if product else "Towel hire"),
        unit_price_minor=price if price is not None else product.price_minor,
        product=product,
        tax_rate=product.tax_rate if product else None,
        trainer=trainer,
    )


def _pay(actor, invoice, amount, *, days_ago=0):
    return services.payment_record(
        actor=actor,
        invoice=invoice,
        amount_minor=amount,
        method=PaymentMethod.CASH,
        received_at=_days_ago(days_ago),
    )


@pytest.fixture
def sales(owner, front_desk):
    """A small known month of money.

    - a £45 membership (VAT included: £7.50 tax), paid in cash two days ago;
    - a £90 pack for the coach (£15 tax), paid £40 yesterday and £50 today;
    - £10 of the membership's payment refunded today (credit note tax £1.67);
    - €20 of towel hire (no tax), paid today;
    - an open invoice with a failed card payment, which counts for nothing.
    """
    plan = ProductFactory(name="Unlimited")
    pack = PackFactory(name="10 classes", tax_rate=plan.tax_rate)
    coach = TrainerFactory(user__full_name="Carla Coach")
    member = MemberFactory()
    membership = _invoice(front_desk, member, _line(plan))
    first = _pay(front_desk, membership, 4500, days_ago=2)
    pack_invoice = _invoice(front_desk, member, _line(pack, trainer=coach))
    _pay(front_desk, pack_invoice, 4000, days_ago=1)
    _pay(front_desk, pack_invoice, 5000)
    services.refund_record(actor=owner, payment=first, amount_minor=1000, reason="Towel fee back")
    towels = _invoice(front_desk, member, _line(price=2000), currency="EUR")
    _pay(front_desk, towels, 2000)
    unpaid = _invoice(front_desk, MemberFactory(), _line(plan))
    Payment.objects.create(
        invoice=unpaid,
        client=unpaid.client,
        method=PaymentMethod.STRIPE,
        status=PaymentStatus.FAILED,
        amount_minor=4500,
        currency="GBP",
        received_at=timezone.now(),
    )
    return {"plan": plan, "pack": pack, "coach": coach, "unpaid": unpaid}


# --- Revenue by period -----------------------------------------------------------------------


def test_revenue_by_day_is_money_received_less_refunds_on_the_day_they_happened(owner, sales):
    today = _today()

    report = reports.revenue_by_period(
        user=owner, date_from=today - timedelta(days=3), date_to=today, granularity="day"
    )

    gbp = {row.start: row for row in report.rows if row.currency == "GBP"}
    assert [gbp[today - timedelta(days=n)].received_minor for n in (3, 2, 1, 0)] == [
        0,
        4500,
        4000,
        5000,
    ]
    assert gbp[today - timedelta(days=2)].refunded_minor == 0
    assert (gbp[today].refunded_minor, gbp[today].revenue_minor) == (1000, 4000)
    # Tax: the invoice's share of each payment (£40 of £90 with £15 tax is £6.67), less
    # the credit note's tax.
    assert gbp[today - timedelta(days=1)].tax_minor == 667
    assert gbp[today].tax_minor == 833 - 167
    assert gbp[today].net_minor == 4000 - 666


def test_the_totals_keep_each_currency_apart_and_net_plus_tax_is_revenue(owner, sales):
    today = _today()

    report = reports.revenue_by_period(
        user=owner, date_from=today - timedelta(days=40), date_to=today, granularity="month"
    )

    totals = {row.currency: row for row in report.totals}
    gbp, eur = totals["GBP"], totals["EUR"]
    assert (gbp.payments, gbp.received_minor, gbp.refunded_minor) == (3, 13500, 1000)
    assert (gbp.revenue_minor, gbp.tax_minor, gbp.net_minor) == (12500, 2083, 10417)
    assert (eur.received_minor, eur.tax_minor, eur.net_minor) == (2000, 0, 2000)
    assert {row.start for row in report.rows} <= {
        today.replace(day=1),
        (today.replace(day=1) - timedelta(days=1)).replace(day=1),
        (today - timedelta(days=40)).replace(day=1),
    }


def test_weeks_start_on_monday_and_every_week_of_the_range_has_a_row(owner, sales):
    today = _today()

    report = reports.revenue_by_period(
        user=owner, date_from=today - timedelta(days=27), date_to=today, granularity="week"
    )

    starts = sorted({row.start for row in report.rows})
    assert all(start.weekday() == 0 for start in starts)
    assert starts[-1] == today - timedelta(days=today.weekday())
    assert len(starts) in (4, 5)
    assert sum(r.received_minor for r in report.rows if r.currency == "GBP") == 13500


def test_a_range_out_of_bounds_is_refused_with_the_field_named(owner):
    today = _today()

    with pytest.raises(ApplicationError) as backwards:
        reports.revenue_by_period(user=owner, date_from=today, date_to=today - timedelta(days=1))
    with pytest.raises(ApplicationError) as too_long:
        reports.revenue_by_period(
            user=owner, date_from=today - timedelta(days=400), date_to=today, granularity="day"
        )

    assert backwards.value.errors[0]["field"] == "date_to"
    assert "366 days" in too_long.value.message


# --- By product, by trainer ------------------------------------------------------------------


def test_revenue_by_product_adds_up_the_lines_of_paid_invoices_only(owner, sales):
    today = _today()

    rows = reports.revenue_by_product(user=owner, date_from=today.replace(day=1), date_to=today)

    found = {(row.label, row.currency): row for row in rows}
    assert set(found) == {
        ("Unlimited", "GBP"),
        ("10 classes", "GBP"),
        ("Other (no product)", "EUR"),
    }
    plan = found[("Unlimited", "GBP")]
    assert (plan.quantity, plan.invoices, plan.net_minor, plan.tax_minor, plan.total_minor) == (
        1,
        1,
        3750,
        750,
        4500,
    )
    assert found[("10 classes", "GBP")].total_minor == 9000
    assert found[("Other (no product)", "EUR")].total_minor == 2000


def test_revenue_by_trainer_follows_the_trainer_of_each_line(owner, sales):
    today = _today()

    rows = reports.revenue_by_trainer(user=owner, date_from=today.replace(day=1), date_to=today)

    found = {(row.label, row.currency): row.total_minor for row in rows}
    assert found == {
        ("Carla Coach", "GBP"): 9000,
        ("No trainer", "GBP"): 4500,
        ("No trainer", "EUR"): 2000,
    }


def test_an_invoice_paid_before_the_range_is_not_in_it(owner, sales):
    Invoice.objects.filter(status="paid").update(paid_at=timezone.now() - timedelta(days=60))
    today = _today()

    assert (
        reports.revenue_by_product(user=owner, date_from=today - timedelta(days=7), date_to=today)
        == []
    )


# --- MRR ---------------------------------------------------------------------------------------


def _membership(client, price, interval=Interval.MONTH, *, status=MembershipStatus.ACTIVE, **more):
    today = _today()
    return Membership.objects.create(
        client=client,
        product=more.pop("product"),
        status=status,
        price_minor=price,
        currency=more.pop("currency", "GBP"),
        interval=interval,
        anchor_day=1,
        started_on=today - timedelta(days=40),
        current_period_start=today - timedelta(days=5),
        current_period_end=today + timedelta(days=25),
        **more,
    )


def test_mrr_normalises_quarterly_and_annual_prices_and_leaves_out_paused_and_lapsing(owner):
    plan = ProductFactory()
    today = _today()
    c = MemberFactory
    _membership(c(), 4500, product=plan)
    _membership(c(), 10000, Interval.QUARTER, product=plan)  # 3333.33 a month
    _membership(c(), 60000, Interval.YEAR, product=plan)  # 5000 a month
    _membership(c(), 9900, status=MembershipStatus.PAUSED, product=plan)
    frozen = _membership(c(), 8800, product=plan)
    MembershipPause.objects.create(
        membership=frozen, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=6)
    )
    later = _membership(c(), 100, product=plan)
    MembershipPause.objects.create(
        membership=later, starts_on=today + timedelta(days=3), ends_on=today + timedelta(days=9)
    )
    _membership(c(), 4500, status=MembershipStatus.PAST_DUE, product=plan)
    _membership(
        c(),
        3000,
        status=MembershipStatus.CANCELLED,
        ends_on=today + timedelta(days=20),
        product=plan,
    )
    _membership(c(), 7000, status=MembershipStatus.ENDED, product=plan)
    _membership(c(), 5000, currency="EUR", product=plan)

    rows = {row.currency: row for row in reports.mrr(user=owner)}

    gbp = rows["GBP"]
    assert gbp.mrr_minor == 4500 + 3333 + 5000 + 100
    assert gbp.members == 4
    assert (gbp.past_due, gbp.past_due_minor) == (1, 4500)
    assert (gbp.ending, gbp.ending_minor) == (1, 3000)
    assert (rows["EUR"].mrr_minor, rows["EUR"].members) == (5000, 1)


# --- Receivables aging -----------------------------------------------------------------------


def test_open_invoices_fall_in_buckets_by_days_past_due_with_what_is_left_to_pay(owner, front_desk):
    plan = ProductFactory()
    today = _today()
    due = {}
    for overdue_days in (-7, 1, 30, 31, 75, 91):
        invoice = _invoice(front_desk, MemberFactory(), _line(plan))
        Invoice.objects.filter(pk=invoice.pk).update(due_on=today - timedelta(days=overdue_days))
        due[overdue_days] = invoice
    _pay(front_desk, due[91], 1000)
    paid = _invoice(front_desk, MemberFactory(), _line(plan))
    _pay(front_desk, paid, 4500)

    (row,) = reports.receivables_aging(user=owner)

    assert row.currency == "GBP"
    assert row.amounts == {
        "current": 4500,
        "d1_30": 9000,
        "d31_60": 4500,
        "d61_90": 4500,
        "d90_plus": 3500,
    }
    assert row.counts == {"current": 1, "d1_30": 2, "d31_60": 1, "d61_90": 1, "d90_plus": 1}
    assert row.total_minor == 26000


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["front_desk", "trainer", "client_user"])
def test_only_owners_and_managers_get_revenue_figures(role, request):
    user = request.getfixturevalue(role)
    today = _today()

    for report in (
        lambda: reports.mrr(user=user),
        lambda: reports.revenue_by_period(user=user, date_from=today, date_to=today),
        lambda: reports.revenue_by_product(user=user, date_from=today, date_to=today),
        lambda: reports.receivables_aging(user=user),
    ):
        with pytest.raises(Forbidden):
            report()


REVENUE_PAGES = [
    "revenue:index",
    "revenue:mrr-csv",
    "revenue:period",
    "revenue:period-csv",
    "revenue:products",
    "revenue:products-csv",
    "revenue:trainers",
    "revenue:trainers-csv",
    "revenue:aging",
    "revenue:aging-csv",
]


@pytest.mark.parametrize("name", REVENUE_PAGES)
def test_revenue_pages_open_for_the_manager_and_not_for_the_front_desk(
    name, manager, front_desk, login, sales
):
    assert login(manager).get(reverse(name)).status_code == 200
    assert login(front_desk).get(reverse(name)).status_code == 403


def test_the_period_page_shows_the_figures_and_says_what_counts_as_revenue(owner, login, sales):
    today = _today()

    response = login(owner).get(
        reverse("revenue:period"),
        {
            "date_from": (today - timedelta(days=3)).isoformat(),
            "date_to": today,
            "granularity": "day",
        },
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Cash basis" in body and "on the day it was received" in body
    assert "£125.00" in body  # the GBP total revenue
    assert "£20.83" in body  # its tax


def test_a_bad_range_shows_the_form_again_with_the_message_at_the_field(owner, login):
    today = _today()

    response = login(owner).get(
        reverse("revenue:period"),
        {"date_from": today.isoformat(), "date_to": (today - timedelta(days=2)).isoformat()},
    )

    assert response.status_code == 400
    assert "The end of the range is before its start." in response.content.decode()


# --- CSV -----------------------------------------------------------------------------------------


def _rows(response) -> list[list[str]]:
    content = response.content
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_period_csv_has_amounts_in_major_units_with_the_currency_in_a_column(
    owner, login, sales
):
    today = _today()

    response = login(owner).get(
        reverse("revenue:period-csv"),
        {"date_from": today.isoformat(), "date_to": today.isoformat(), "granularity": "day"},
    )

    rows = _rows(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:4] == ["Period start", "Currency", "Payments", "Received"]
    by_currency = {row[1]: row for row in rows[1:]}
    assert by_currency["GBP"][3:] == ["50.00", "1", "10.00", "40.00", "6.66", "33.34"]
    assert by_currency["EUR"][3] == "20.00"


def test_a_day_of_refunds_only_is_a_negative_number_not_text(owner, login, sales):
    Payment.objects.filter(received_at__date=timezone.now().date()).update(
        received_at=timezone.now() - timedelta(days=5)
    )
    today = _today()

    response = login(owner).get(
        reverse("revenue:period-csv"),
        {"date_from": today.isoformat(), "date_to": today.isoformat(), "granularity": "day"},
    )

    gbp = next(row for row in _rows(response)[1:] if row[1] == "GBP")
    assert gbp[6] == "-10.00"


def test_a_client_name_that_looks_like_a_formula_is_written_as_text(owner, front_desk, login):
    client = MemberFactory(first_name='=HYPERLINK("http://evil.test")', last_name="+Cmd")
    _invoice(front_desk, client, _line(ProductFactory()))

    response = login(owner).get(reverse("revenue:aging-csv"))

    rows = _rows(response)
    assert rows[1][1].startswith("'=HYPERLINK")
    assert rows[1][6:] == ["GBP", "45.00", "45.00"]


def test_an_export_is_written_to_the_audit_log(owner, login, sales):
    from fitnesscrm.core.models import AuditEntry

    login(owner).get(reverse("revenue:mrr-csv"))

    assert AuditEntry.objects.filter(action="revenue.export", object_label="mrr").exists()


# --- Query counts ------------------------------------------------------------------------------


def _queries(browser, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(url, params or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("revenue:index", {}),
        ("revenue:period", {"granularity": "day"}),
        ("revenue:products", {}),
        ("revenue:trainers", {}),
        ("revenue:aging", {}),
    ],
)
def test_a_report_page_asks_the_same_number_of_queries_however_many_rows(
    name, params, owner, front_desk, login, django_assert_num_queries
):
    browser = login(owner)
    url = reverse(name)
    today = _today()
    if "granularity" in params:
        params = {**params, "date_from": (today - timedelta(days=30)).isoformat()}
    plan = ProductFactory()

    def add(count):
        for _ in range(count):
            member = MemberFactory()
            trainer = TrainerFactory()
            paid = _invoice(front_desk, member, _line(plan, trainer=trainer))
            _pay(front_desk, paid, 4500)
            late = _invoice(front_desk, member, _line(ProductFactory(), trainer=trainer))
            Invoice.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=40))
            _membership(member, 4500, product=plan)

    add(1)
    _queries(browser, url, params)  # warm the session and the settings rows
    expected = _queries(browser, url, params)
    add(6)

    with django_assert_num_queries(expected):
        browser.get(url, params)
