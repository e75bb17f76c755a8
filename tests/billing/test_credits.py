"""Class credits and the booking rules of classes for members, through the scheduling services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fitnesscrm.billing import selectors, services
from fitnesscrm.billing.models import CreditGrant, CreditUse, PaymentMethod
from fitnesscrm.billing.services.credits import NEEDS_CREDIT
from fitnesscrm.billing.tasks import send_waitlist_passed_over_email
from fitnesscrm.core.errors import ApplicationError, Forbidden
from fitnesscrm.scheduling import services as scheduling
from fitnesscrm.scheduling.models import Access, Booking, BookingStatus, Session
from tests.factories import (
    ClassSessionFactory,
    ClassTypeFactory,
    MemberFactory,
    PackFactory,
    ProductFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    return UserFactory(role="front_desk")


@pytest.fixture
def yoga(db):
    return ClassTypeFactory(name="Yoga for members", access=Access.PAID)


def _class(yoga, *, starts_at=None, capacity=12):
    return ClassSessionFactory(
        class_type=yoga, starts_at=starts_at or in_days(3, 9), capacity=capacity
    )


def _credits(client, count=5, *, days=90):
    return CreditGrant.objects.create(
        client=client,
        credits=count,
        remaining=count,
        expires_on=timezone.localdate() + timedelta(days=days) if days is not None else None,
    )


def _book(actor, session, client, **kwargs):
    return scheduling.booking_create(actor=actor, session=session, client=client, **kwargs).booking


def _remaining(client) -> int:
    return selectors.credits_available(client.pk, on=timezone.localdate())


# --- Who can book a class for members ------------------------------------------------------------


def test_a_client_without_membership_or_credit_is_refused_with_a_clear_message(desk, yoga):
    session, client = _class(yoga), MemberFactory()

    with pytest.raises(ApplicationError) as exc:
        _book(desk, session, client)

    assert exc.value.message == NEEDS_CREDIT
    assert exc.value.message == (
        "This class is for members or with a class credit: buy a pack or a membership."
    )
    assert not Booking.objects.filter(client=client).exists()
    session.refresh_from_db()
    assert session.booked_count == 0


def test_an_open_class_needs_neither_membership_nor_credit(desk):
    session = ClassSessionFactory(class_type=ClassTypeFactory(access=Access.OPEN))

    booking = _book(desk, session, MemberFactory())

    assert booking.status == BookingStatus.BOOKED and not booking.credit_uses.exists()


def test_a_member_books_without_spending_a_credit(desk, yoga):
    client = MemberFactory()
    services.membership_start(actor=desk, client=client, product=ProductFactory())
    grant = _credits(client)

    booking = _book(desk, _class(yoga), client)

    grant.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED and grant.remaining == 5
    assert not booking.credit_uses.exists()


def test_a_client_with_a_credit_books_and_spends_one(desk, yoga):
    client = MemberFactory()
    grant = _credits(client, 2)

    booking = _book(desk, _class(yoga), client)

    grant.refresh_from_db()
    assert grant.remaining == 1
    assert booking.credit_uses.get().grant == grant


def test_credits_bought_as_a_pack_are_spent_on_a_class(desk, yoga):
    client = MemberFactory()
    invoice = services.product_purchase(actor=desk, client=client, product=PackFactory(credits=10))
    services.payment_record(
        actor=desk, invoice=invoice, amount_minor=invoice.total_minor, method=PaymentMethod.CASH
    )

    _book(desk, _class(yoga), client)

    assert _remaining(client) == 9


def test_the_credit_expiring_first_is_spent_first(desk, yoga):
    client = MemberFactory()
    never = _credits(client, 3, days=None)
    later = _credits(client, 3, days=60)
    sooner = _credits(client, 3, days=10)

    _book(desk, _class(yoga), client)

    assert [g.remaining for g in (never, later, sooner) if not g.refresh_from_db()] == [3, 3, 2]


def test_a_credit_that_expires_before_the_class_does_not_count(desk, yoga):
    client = MemberFactory()
    _credits(client, 3, days=2)

    with pytest.raises(ApplicationError):
        _book(desk, _class(yoga, starts_at=in_days(5, 9)), client)


def test_a_paused_member_needs_a_credit_on_the_days_of_the_pause(desk, yoga):
    client = MemberFactory()
    membership = services.membership_start(
        actor=desk, client=client, product=ProductFactory()
    ).membership
    day = timezone.localdate() + timedelta(days=3)
    services.membership_pause(actor=desk, membership=membership, starts_on=day, ends_on=day)

    with pytest.raises(ApplicationError):
        _book(desk, _class(yoga, starts_at=in_days(3, 9)), client)
    _book(desk, _class(yoga, starts_at=in_days(4, 9)), client)


def test_a_client_is_refused_in_the_portal_too(client_user, yoga):
    own = MemberFactory(user=client_user)

    with pytest.raises(ApplicationError) as exc:
        _book(client_user, _class(yoga), own, self_booked=True)

    assert exc.value.code == "needs_credit"


# --- Giving credits back -------------------------------------------------------------------------


def test_a_timely_cancellation_gives_the_credit_back(desk, yoga):
    client = MemberFactory()
    grant = _credits(client, 1)
    booking = _book(desk, _class(yoga), client)

    scheduling.booking_cancel(actor=desk, booking=booking)

    grant.refresh_from_db()
    assert grant.remaining == 1
    assert booking.credit_uses.get().returned_at is not None


def test_a_late_cancellation_keeps_the_credit_spent(desk, yoga):
    client = MemberFactory()
    grant = _credits(client, 1)
    booking = _book(desk, _class(yoga, starts_at=timezone.now() + timedelta(hours=2)), client)

    booking = scheduling.booking_cancel(actor=desk, booking=booking)

    grant.refresh_from_db()
    assert booking.status == BookingStatus.LATE_CANCELLED and grant.remaining == 0


def test_a_late_cancellation_waived_by_staff_gives_the_credit_back(desk, yoga):
    client = MemberFactory()
    grant = _credits(client, 1)
    booking = _book(desk, _class(yoga, starts_at=timezone.now() + timedelta(hours=2)), client)

    scheduling.booking_cancel(actor=desk, booking=booking, waive_late=True)

    grant.refresh_from_db()
    assert grant.remaining == 1


def test_a_no_show_keeps_the_credit_spent(desk, yoga):
    client = MemberFactory()
    grant = _credits(client, 1)
    session = _class(yoga)
    booking = _book(desk, session, client)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(minutes=35),
    )

    scheduling.booking_set_attendance(actor=desk, booking=booking, status=BookingStatus.NO_SHOW)

    grant.refresh_from_db()
    assert grant.remaining == 0


def test_a_class_cancelled_by_the_gym_gives_every_credit_back(desk, yoga, owner):
    session = _class(yoga)
    clients = [MemberFactory() for _ in range(3)]
    grants = [_credits(c, 1) for c in clients]
    for client in clients:
        _book(desk, session, client)

    scheduling.session_cancel(actor=owner, session=session, reason="Instructor ill")

    assert [g.remaining for g in grants if not g.refresh_from_db()] == [1, 1, 1]


def test_a_credit_given_back_can_be_spent_again(desk, yoga):
    client = MemberFactory()
    _credits(client, 1)
    first = _book(desk, _class(yoga), client)
    scheduling.booking_cancel(actor=desk, booking=first)

    _book(desk, _class(yoga), client)

    assert _remaining(client) == 0


# --- The waitlist --------------------------------------------------------------------------------


def test_a_waitlisted_client_spends_the_credit_only_when_given_a_seat(desk, yoga):
    session = _class(yoga, capacity=1)
    first, second = MemberFactory(), MemberFactory()
    _credits(first, 1)
    grant = _credits(second, 1)
    seated = _book(desk, session, first)

    waiting = _book(desk, session, second)
    grant.refresh_from_db()
    assert waiting.status == BookingStatus.WAITLISTED and grant.remaining == 1

    scheduling.booking_cancel(actor=desk, booking=seated)

    waiting.refresh_from_db()
    grant.refresh_from_db()
    assert waiting.status == BookingStatus.BOOKED and grant.remaining == 0


def test_joining_the_waitlist_needs_membership_or_credit_too(desk, yoga):
    session = _class(yoga, capacity=1)
    seated = MemberFactory()
    _credits(seated, 1)
    _book(desk, session, seated)

    with pytest.raises(ApplicationError) as exc:
        _book(desk, session, MemberFactory())

    assert exc.value.message == NEEDS_CREDIT


def test_a_waitlisted_client_with_no_credit_left_is_passed_over_and_told(desk, yoga):
    session = _class(yoga, capacity=1)
    seated, broke, member = MemberFactory(), MemberFactory(), MemberFactory(email="m@example.test")
    broke.email = "broke@example.test"
    broke.save()
    _credits(seated, 1)
    _credits(broke, 1)
    services.membership_start(actor=desk, client=member, product=ProductFactory())
    seat = _book(desk, session, seated)
    broke_waiting = _book(desk, session, broke)
    member_waiting = _book(desk, session, member)
    _book(desk, _class(yoga), broke)  # spends the only credit elsewhere

    scheduling.booking_cancel(actor=desk, booking=seat)

    broke_waiting.refresh_from_db()
    member_waiting.refresh_from_db()
    assert broke_waiting.status == BookingStatus.WAITLISTED
    assert member_waiting.status == BookingStatus.BOOKED
    assert not broke_waiting.credit_uses.exists()
    session.refresh_from_db()
    assert (session.booked_count, session.waitlist_count) == (1, 1)
    [queued] = DBTaskResult.objects.filter(task_path__endswith="send_waitlist_passed_over_email")
    assert send_waitlist_passed_over_email.call(**queued.args_kwargs["kwargs"]) is True
    [message] = [m for m in mail.outbox if m.to == ["broke@example.test"]]
    assert message.subject.startswith("A place came up: Yoga for members")
    assert "buy a pack or a membership" in message.body


# --- Accounting ----------------------------------------------------------------------------------


def _assert_credits_add_up(client) -> None:
    grants = CreditGrant.objects.filter(client=client).annotate(
        open_uses=Count("uses", filter=Q(uses__returned_at__isnull=True))
    )
    for grant in grants:
        assert grant.remaining >= 0
        assert grant.credits == grant.remaining + grant.open_uses
    spent = CreditUse.objects.filter(grant__client=client, returned_at__isnull=True)
    for use in spent.select_related("booking"):
        # A credit stays spent only on a seat, a late cancel or a no-show.
        assert use.booking.status in (
            BookingStatus.BOOKED,
            BookingStatus.LATE_CANCELLED,
            BookingStatus.NO_SHOW,
            BookingStatus.ATTENDED,
        )
    assert not CreditUse.objects.filter(
        grant__client=client, returned_at__isnull=True, booking__status=BookingStatus.CANCELLED
    ).exists()


operations = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("book"), st.booleans()),  # True: far enough ahead to cancel in time
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20)),
    ),
    max_size=14,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_grants_uses_and_returns_always_add_up(desk, yoga, ops):
    with transaction.atomic():
        client = MemberFactory()
        bookings: list[Booking] = []
        expected = 0
        for op, arg in ops:
            if op == "grant":
                _credits(client, arg)
                expected += arg
            elif op == "book":
                starts = in_days(3, 9) if arg else timezone.now() + timedelta(hours=2)
                try:
                    bookings.append(_book(desk, _class(yoga, starts_at=starts), client))
                    expected -= 1
                except ApplicationError:
                    assert expected == 0
            elif bookings:
                booking = bookings.pop(arg % len(bookings))
                booking = scheduling.booking_cancel(actor=desk, booking=booking)
                if booking.status == BookingStatus.CANCELLED:
                    expected += 1
            _assert_credits_add_up(client)
            assert _remaining(client) == expected
        transaction.set_rollback(True)


def test_only_managers_give_credits_by_hand(manager, front_desk):
    client = MemberFactory()

    with pytest.raises(Forbidden):
        services.credit_grant_manual(
            actor=front_desk, client=client, credits=1, expires_on=None, reason="Goodwill"
        )
    services.credit_grant_manual(
        actor=manager, client=client, credits=2, expires_on=None, reason="Goodwill"
    )

    assert _remaining(client) == 2


def test_the_api_answers_400_with_the_reason_when_a_client_has_no_credit(desk, yoga, client):
    session, member = _class(yoga), MemberFactory()
    client.force_login(desk)

    response = client.post(
        "/api/v1/bookings",
        {"session_id": session.pk, "client_id": member.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["detail"], body["code"]) == (NEEDS_CREDIT, "needs_credit")
    assert body["errors"][0]["field"] == "client_id"


def test_a_clients_credits_are_shown_to_the_money_staff_and_to_that_client_only(
    desk, client_user, outsider, trainer, django_assert_max_num_queries
):
    from fitnesscrm.billing import selectors_memberships as reads

    own = MemberFactory(user=client_user)
    MemberFactory(user=outsider)
    for days in (5, 50, 500):
        _credits(own, 2, days=days)
    _credits(own, 2, days=-1)  # expired

    with django_assert_max_num_queries(2):
        seen = list(reads.client_credit_grants(user=desk, client_id=own.pk))
    assert [g.expires_on for g in seen] == sorted(g.expires_on for g in seen) and len(seen) == 3
    assert reads.client_credit_grants(user=client_user, client_id=own.pk).count() == 3
    assert not reads.client_credit_grants(user=outsider, client_id=own.pk).exists()
    assert not reads.client_credit_grants(user=trainer, client_id=own.pk).exists()
    assert reads.booking_access(user=outsider, client_id=own.pk) is None
    assert reads.booking_access(user=client_user, client_id=own.pk).credits == 6
