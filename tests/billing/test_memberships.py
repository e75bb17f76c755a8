"""Memberships: first invoice and proration, renewal once, pauses, cancellation, expiry."""

import calendar
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import given, settings
from hypothesis import strategies as st

from fitnesscrm.billing import selectors, services
from fitnesscrm.billing.models import (
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    PaymentMethod,
    PromoCode,
    PromoKind,
    StripeCustomer,
)
from fitnesscrm.billing.services.memberships import (
    IMMEDIATE_CANCEL_NOTE,
    add_months,
    membership_renew,
    period_from,
)
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.periodic import PERIODIC_JOBS
from tests.factories import MemberFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _next_month(day: int) -> date:
    """`day` of next month: a start date a test can reason about whatever today is."""
    return add_months(TODAY(), 1, day)


def _start(actor, *, product=None, **kwargs):
    return services.membership_start(
        actor=actor, client=kwargs.pop("client", None) or MemberFactory(),
        product=product or ProductFactory(), **kwargs,
    )  # fmt: skip


def _charges_queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="membership_renewal_charge").count()


# --- Proration -----------------------------------------------------------------------------------

starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))
anchors = st.integers(min_value=1, max_value=28)
interval_months = st.sampled_from([1, 3, 12])
prices = st.integers(min_value=0, max_value=10_000_000)


@settings(max_examples=300, deadline=None)
@given(start=starts, anchor=anchors, months=interval_months, price=prices)
def test_a_period_ends_on_the_anchor_day_and_never_costs_more_than_the_price(
    start, anchor, months, price
):
    period = period_from(start, anchor_day=anchor, months=months, price_minor=price)

    assert period.end.day == anchor and period.end > start
    assert 0 <= period.amount_minor <= price
    assert period.full == (start.day == anchor)
    if period.full:
        assert period.amount_minor == price
        assert period.end == add_months(start, months, anchor)
    else:
        # Only as far as the next anchor day: less than a month.
        assert (period.end - start).days <= 31


@settings(max_examples=300, deadline=None)
@given(start=starts, anchor=anchors, months=interval_months, price=prices)
def test_a_partial_period_costs_its_share_of_the_whole_period_by_the_day(
    start, anchor, months, price
):
    period = period_from(start, anchor_day=anchor, months=months, price_minor=price)
    whole = (period.end - add_months(period.end, -months, anchor)).days

    # Within half a minor unit of the exact share (rounded half up).
    assert abs(period.amount_minor * whole - price * (period.end - start).days) * 2 <= whole
    following = period_from(period.end, anchor_day=anchor, months=months, price_minor=price)
    assert following.full and following.amount_minor == price


@settings(max_examples=200, deadline=None)
@given(start=starts, anchor=anchors, price=prices)
def test_starting_a_day_later_never_costs_more(start, anchor, price):
    today = period_from(start, anchor_day=anchor, months=1, price_minor=price)
    tomorrow = period_from(
        start + timedelta(days=1), anchor_day=anchor, months=1, price_minor=price
    )

    if not today.full and not tomorrow.full and today.end == tomorrow.end:
        assert tomorrow.amount_minor <= today.amount_minor


# --- Start ---------------------------------------------------------------------------------------


def test_a_membership_starting_on_its_billing_day_is_invoiced_a_full_period_and_the_fee(
    front_desk,
):
    plan = ProductFactory(price_minor=4500, signup_fee_minor=2000)
    start = _next_month(10)

    started = _start(front_desk, product=plan, starts_on=start)

    membership, invoice = started.membership, started.invoice
    assert membership.anchor_day == 10 and membership.status == MembershipStatus.ACTIVE
    assert (membership.current_period_start, membership.current_period_end) == (
        start,
        add_months(start, 1, 10),
    )
    assert invoice.status == InvoiceStatus.OPEN and invoice.number
    assert [line.total_minor for line in invoice.lines.all()] == [2000, 4500]
    assert invoice.total_minor == 6500


def test_a_start_off_the_billing_day_is_prorated_to_the_first_billing_day(front_desk):
    start = _next_month(15)
    days_in_month = calendar.monthrange(start.year, start.month)[1]

    started = _start(front_desk, product=ProductFactory(price_minor=4500), starts_on=start,
                     anchor_day=1)  # fmt: skip

    first_of_next = add_months(start, 1, 1)
    assert started.membership.current_period_end == first_of_next
    line = started.invoice.lines.get()
    expected = (4500 * (first_of_next - start).days * 2 + days_in_month) // (2 * days_in_month)
    assert line.total_minor == expected
    assert (line.period_start, line.period_end) == (start, first_of_next - timedelta(days=1))


def test_the_billing_day_defaults_to_the_start_day_and_is_at_most_the_28th(front_desk):
    start = _next_month(28) + timedelta(days=2)  # the 30th, or the 2nd after a short month

    membership = _start(front_desk, starts_on=start).membership

    assert membership.anchor_day == min(start.day, 28)


def test_a_membership_gives_booking_rights_from_its_first_day(front_desk):
    start = TODAY() + timedelta(days=3)
    membership = _start(front_desk, starts_on=start).membership

    assert selectors.active_membership(membership.client_id, on=start) == membership
    assert selectors.active_membership(membership.client_id, on=TODAY()) is None


def test_a_promo_code_takes_money_off_the_first_invoice(front_desk):
    PromoCode.objects.create(code="JOIN", kind=PromoKind.AMOUNT, value=1000, currency="GBP")

    started = _start(front_desk, starts_on=_next_month(5), promo_code="join")

    assert started.invoice.total_minor == 3500


def test_a_second_running_membership_for_the_same_client_is_refused(front_desk):
    client = MemberFactory()
    _start(front_desk, client=client)

    with pytest.raises(Conflict) as exc:
        _start(front_desk, client=client)

    assert exc.value.code == "has_membership"


def test_a_bad_promo_code_leaves_no_membership_behind(front_desk):
    client = MemberFactory()

    with pytest.raises(ApplicationError):
        _start(front_desk, client=client, promo_code="NOPE")

    assert not client.memberships.exists() and not Invoice.objects.exists()


def test_start_dates_and_billing_days_out_of_range_are_refused(front_desk, client_user):
    with pytest.raises(ApplicationError) as exc:
        _start(front_desk, starts_on=TODAY() - timedelta(days=40))
    assert exc.value.errors[0]["field"] == "starts_on"
    with pytest.raises(ApplicationError) as exc:
        _start(front_desk, anchor_day=29)
    assert exc.value.errors[0]["field"] == "anchor_day"
    own = MemberFactory(user=client_user)
    with pytest.raises(ApplicationError) as exc:
        _start(client_user, client=own, starts_on=TODAY() - timedelta(days=1))
    assert exc.value.message == "A membership cannot start in the past."


def test_a_trainer_cannot_sell_a_membership_and_a_client_only_their_own(trainer, client_user):
    own = MemberFactory(user=client_user)

    with pytest.raises(Forbidden):
        _start(trainer)
    with pytest.raises(Forbidden):
        _start(client_user)
    started = _start(client_user, client=own)

    assert started.invoice.created_by is None


# --- Renewal -------------------------------------------------------------------------------------


def test_renewal_invoices_the_next_period_once_and_moves_the_period_on(front_desk):
    start = _next_month(3)
    membership = _start(front_desk, starts_on=start).membership
    due = membership.current_period_end

    assert services.memberships_renew(today=due - timedelta(days=1)) == 0
    assert services.memberships_renew(today=due) == 1
    assert services.memberships_renew(today=due) == 0

    membership.refresh_from_db()
    assert (membership.current_period_start, membership.current_period_end) == (
        due,
        add_months(due, 1, 3),
    )
    renewal = membership.invoices.order_by("-id").first()
    assert renewal.status == InvoiceStatus.OPEN and renewal.total_minor == 4500
    assert renewal.created_by is None and renewal.lines.get().period_start == due


def test_a_renewal_job_that_was_stopped_catches_up_period_by_period(front_desk):
    membership = _start(front_desk, starts_on=_next_month(3)).membership
    three_later = add_months(membership.current_period_end, 2, 3)

    assert services.memberships_renew(today=three_later) == 3

    assert membership.invoices.count() == 4
    membership.refresh_from_db()
    assert membership.current_period_end == add_months(three_later, 1, 3)


def test_the_renewal_price_is_the_one_agreed_at_the_start(front_desk, manager):
    plan = ProductFactory(price_minor=4500)
    membership = _start(front_desk, product=plan, starts_on=_next_month(3)).membership
    services.product_update(actor=manager, product=plan, price_minor=6000)

    services.memberships_renew(today=membership.current_period_end)

    assert membership.invoices.order_by("-id").first().total_minor == 4500


def test_without_stripe_a_renewal_queues_no_card_charge(front_desk, settings):
    settings.STRIPE_SECRET_KEY = ""
    membership = _start(front_desk, starts_on=_next_month(3)).membership
    StripeCustomer.objects.create(
        client=membership.client, customer_id="cus_1", payment_method_id="pm_1"
    )

    services.memberships_renew(today=membership.current_period_end)

    assert _charges_queued() == 0


def test_with_stripe_and_a_saved_card_a_renewal_queues_a_charge_of_that_invoice(
    front_desk, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    with_card = _start(front_desk, starts_on=_next_month(3)).membership
    without_card = _start(front_desk, starts_on=_next_month(3)).membership
    StripeCustomer.objects.create(
        client=with_card.client, customer_id="cus_1", payment_method_id="pm_1"
    )

    services.memberships_renew(today=with_card.current_period_end)

    [queued] = DBTaskResult.objects.filter(task_path__endswith="membership_renewal_charge")
    renewal = with_card.invoices.order_by("-id").first()
    assert queued.args_kwargs["kwargs"] == {"invoice_id": renewal.pk}
    assert without_card.invoices.count() == 2


def test_a_cancelled_membership_is_not_renewed_past_its_last_day(front_desk):
    membership = _start(front_desk).membership
    services.membership_cancel(actor=front_desk, membership=membership)

    assert services.memberships_renew(today=membership.current_period_end) == 0


def test_paying_the_failed_renewal_puts_a_past_due_membership_back_in_good_standing(front_desk):
    membership = _start(front_desk, starts_on=_next_month(3)).membership
    services.memberships_renew(today=membership.current_period_end)
    renewal = membership.invoices.order_by("-id").first()
    Invoice.objects.filter(pk=renewal.pk).update(failed_attempts=1)
    membership.status = MembershipStatus.PAST_DUE
    membership.save()

    services.payment_record(
        actor=front_desk, invoice=renewal, amount_minor=4500, method=PaymentMethod.CARD_TERMINAL
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_the_periodic_jobs_for_renewal_and_expiry_are_declared():
    jobs = {job.name: job for job in PERIODIC_JOBS}

    assert jobs["billing.memberships_renew"].every == timedelta(hours=1)
    assert jobs["billing.memberships_expire"].every == timedelta(days=1)
    assert jobs["billing.memberships_renew"].task == "fitnesscrm.billing.tasks.memberships_renew"


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_renewing_at_the_same_moment_invoice_a_period_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    desk = UserFactory(role="front_desk")
    memberships = [
        _start(desk, starts_on=TODAY() - timedelta(days=31)).membership for _ in range(5)
    ]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i):
        try:
            barrier.wait()
            results[i] = services.memberships_renew()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(r, int) for r in results), results
    renewals = Invoice.objects.filter(membership__in=memberships).count() - len(memberships)
    assert sum(results) == renewals >= len(memberships)
    for membership in memberships:
        starts = list(
            membership.invoices.values_list("lines__period_start", flat=True).order_by("id")
        )
        assert len(starts) == len(set(starts)), "a period was invoiced twice"


def test_renewing_a_period_already_renewed_does_nothing(front_desk):
    membership = _start(front_desk, starts_on=_next_month(3)).membership
    due = membership.current_period_end

    assert membership_renew(membership.pk, today=due) is not None
    assert membership_renew(membership.pk, today=due) is None


# --- Pauses --------------------------------------------------------------------------------------


def test_a_pause_moves_the_renewal_by_its_length_and_removes_booking_rights(front_desk):
    membership = _start(front_desk, starts_on=TODAY()).membership
    end = membership.current_period_end
    starts_on = TODAY() + timedelta(days=2)

    services.membership_pause(
        actor=front_desk, membership=membership, starts_on=starts_on,
        ends_on=starts_on + timedelta(days=9), reason="Holiday",
    )  # fmt: skip

    membership.refresh_from_db()
    assert membership.current_period_end == end + timedelta(days=10)
    assert selectors.active_membership(membership.client_id, on=starts_on) is None
    assert selectors.active_membership(membership.client_id, on=starts_on - timedelta(days=1))
    assert services.memberships_renew(today=end) == 0


def test_the_period_after_a_pause_is_prorated_back_to_the_billing_day(front_desk):
    membership = _start(front_desk, starts_on=_next_month(3)).membership
    end = membership.current_period_end
    first = membership.current_period_start
    services.membership_pause(
        actor=front_desk, membership=membership, starts_on=first, ends_on=first + timedelta(days=6)
    )

    services.memberships_renew(today=end + timedelta(days=7))

    renewal = membership.invoices.order_by("-id").first().lines.get()
    whole = (add_months(end, 1, 3) - end).days
    assert renewal.period_start == end + timedelta(days=7)
    assert renewal.total_minor == round(4500 * (whole - 7) / whole)


def test_a_pause_in_a_later_period_is_counted_when_that_period_is_renewed(front_desk):
    membership = _start(front_desk, starts_on=_next_month(3)).membership
    end = membership.current_period_end
    services.membership_pause(
        actor=front_desk, membership=membership, starts_on=end + timedelta(days=5),
        ends_on=end + timedelta(days=9),
    )  # fmt: skip
    membership.refresh_from_db()
    assert membership.current_period_end == end

    services.memberships_renew(today=end)

    membership.refresh_from_db()
    assert membership.current_period_end == add_months(end, 1, 3) + timedelta(days=5)


def test_overlapping_pauses_and_pauses_in_the_past_are_refused(front_desk):
    membership = _start(front_desk).membership
    soon = TODAY() + timedelta(days=5)
    services.membership_pause(
        actor=front_desk, membership=membership, starts_on=soon, ends_on=soon + timedelta(days=5)
    )

    with pytest.raises(ApplicationError) as exc:
        services.membership_pause(
            actor=front_desk, membership=membership, starts_on=soon + timedelta(days=3),
            ends_on=soon + timedelta(days=20),
        )  # fmt: skip
    assert exc.value.code == "pause_overlap"
    with pytest.raises(ApplicationError) as exc:
        services.membership_pause(
            actor=front_desk, membership=membership, starts_on=TODAY() - timedelta(days=1),
            ends_on=TODAY() + timedelta(days=1),
        )  # fmt: skip
    assert exc.value.message == "A pause cannot start in the past."


def test_resuming_early_gives_back_the_unused_days(front_desk):
    membership = _start(front_desk).membership
    end = membership.current_period_end
    services.membership_pause(
        actor=front_desk, membership=membership, starts_on=TODAY(),
        ends_on=TODAY() + timedelta(days=13),
    )  # fmt: skip
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED

    services.membership_resume(actor=front_desk, membership=membership)

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_end == end
    assert selectors.active_membership(membership.client_id) == membership


def test_the_daily_job_marks_a_membership_paused_while_its_pause_runs(front_desk):
    membership = _start(front_desk).membership
    services.membership_pause(
        actor=front_desk, membership=membership, starts_on=TODAY() + timedelta(days=1),
        ends_on=TODAY() + timedelta(days=3),
    )  # fmt: skip

    services.memberships_expire(today=TODAY() + timedelta(days=1))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED
    services.memberships_expire(today=TODAY() + timedelta(days=4))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


# --- Cancellation and expiry ---------------------------------------------------------------------


def test_cancelling_without_notice_ends_the_membership_at_the_end_of_this_period(front_desk):
    membership = _start(front_desk).membership

    services.membership_cancel(actor=front_desk, membership=membership, reason="Moving away")

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED
    assert membership.ends_on == membership.current_period_end - timedelta(days=1)
    assert selectors.active_membership(membership.client_id) == membership


def test_the_notice_period_carries_the_end_to_a_later_period(front_desk):
    membership = _start(front_desk, product=ProductFactory(notice_days=40)).membership
    end = membership.current_period_end

    services.membership_cancel(actor=front_desk, membership=membership)

    following = period_from(end, anchor_day=membership.anchor_day, months=1, price_minor=0)
    membership.refresh_from_db()
    assert membership.ends_on == following.end - timedelta(days=1)
    # The period inside the notice is still renewed (and paid), then no more.
    assert services.memberships_renew(today=end) == 1
    assert services.memberships_renew(today=following.end) == 0


def test_the_minimum_term_is_enforced_with_a_clear_message(front_desk):
    membership = _start(front_desk, product=ProductFactory(minimum_term_months=6)).membership

    with pytest.raises(ApplicationError) as exc:
        services.membership_cancel(actor=front_desk, membership=membership)

    assert exc.value.code == "minimum_term"
    assert "The minimum term runs until" in exc.value.message
    assert "at the earliest" in exc.value.message


def test_a_manager_can_waive_the_minimum_term_with_a_reason_but_the_desk_cannot(
    front_desk, manager
):
    membership = _start(front_desk, product=ProductFactory(minimum_term_months=6)).membership

    with pytest.raises(Forbidden):
        services.membership_cancel(
            actor=front_desk, membership=membership, override_minimum_term=True, reason="Ill"
        )
    with pytest.raises(ApplicationError) as exc:
        services.membership_cancel(actor=manager, membership=membership, override_minimum_term=True)
    assert exc.value.errors[0]["field"] == "reason"
    services.membership_cancel(
        actor=manager, membership=membership, override_minimum_term=True, reason="Long illness"
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED
    assert membership.cancel_reason == "Long illness"


def test_a_manager_ends_a_membership_immediately_and_refunds_are_left_to_staff(front_desk, manager):
    membership = _start(front_desk).membership

    with pytest.raises(Forbidden):
        services.membership_cancel(
            actor=front_desk, membership=membership, immediately=True, reason="Asked"
        )
    services.membership_cancel(
        actor=manager, membership=membership, immediately=True, reason="Asked"
    )

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and membership.ends_on == TODAY()
    assert selectors.active_membership(membership.client_id) is None
    assert "refund" in IMMEDIATE_CANCEL_NOTE
    assert membership.invoices.get().status == InvoiceStatus.OPEN


def test_a_client_cancels_their_own_membership_but_nobody_elses(client_user, outsider, front_desk):
    own = _start(front_desk, client=MemberFactory(user=client_user)).membership
    MemberFactory(user=outsider)

    with pytest.raises(Forbidden):
        services.membership_cancel(actor=outsider, membership=own)
    services.membership_cancel(actor=client_user, membership=own)

    own.refresh_from_db()
    assert own.status == MembershipStatus.CANCELLED
    with pytest.raises(Conflict):
        services.membership_cancel(actor=client_user, membership=own)


def test_a_cancelled_membership_ends_after_its_last_day(front_desk):
    membership = _start(front_desk).membership
    services.membership_cancel(actor=front_desk, membership=membership)
    membership.refresh_from_db()

    assert services.memberships_expire(today=membership.ends_on) == 0
    assert services.memberships_expire(today=membership.ends_on + timedelta(days=1)) == 1

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED


def test_a_membership_that_does_not_renew_automatically_ends_with_its_period(front_desk):
    membership = _start(front_desk, renew_automatically=False).membership

    assert services.memberships_renew(today=membership.current_period_end) == 0
    assert services.memberships_expire(today=membership.current_period_end) == 1

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED
    assert membership.ends_on == membership.current_period_end - timedelta(days=1)


def test_a_cancelled_membership_cannot_be_paused(front_desk):
    membership = _start(front_desk).membership
    services.membership_cancel(actor=front_desk, membership=membership)

    with pytest.raises(Conflict):
        services.membership_pause(
            actor=front_desk, membership=membership, starts_on=TODAY(), ends_on=TODAY()
        )


def test_a_clients_memberships_are_listed_in_a_fixed_number_of_queries(
    front_desk, outsider, django_assert_max_num_queries
):
    from fitnesscrm.billing import selectors_memberships as reads

    client = MemberFactory()
    for months_ago in (3, 2):
        membership = _start(front_desk, client=client).membership
        services.membership_cancel(
            actor=UserFactory(role="manager"), membership=membership, immediately=True,
            reason="Moved", override_minimum_term=True,
        )  # fmt: skip
        type(membership).objects.filter(pk=membership.pk).update(
            started_on=TODAY() - timedelta(days=30 * months_ago)
        )
    current = _start(front_desk, client=client).membership
    services.membership_pause(
        actor=front_desk, membership=current, starts_on=TODAY() + timedelta(days=2),
        ends_on=TODAY() + timedelta(days=4),
    )  # fmt: skip

    with django_assert_max_num_queries(2):
        rows = [
            (m.product.name, m.status, len(m.pauses.all()))
            for m in reads.client_memberships(user=front_desk, client_id=client.pk)
        ]

    assert rows[0] == (current.product.name, MembershipStatus.ACTIVE, 1)
    assert [status for _, status, _ in rows[1:]] == [MembershipStatus.ENDED] * 2
    assert not reads.client_memberships(user=outsider, client_id=client.pk).exists()
