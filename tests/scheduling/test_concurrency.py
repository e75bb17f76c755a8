"""Races on PostgreSQL: the last seat, and two sessions for one trainer at the same moment.

Each test starts real transactions on separate connections at the same instant
(threads behind a barrier) and checks the outcome a gym would notice.
"""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from fitnesscrm.core.errors import Conflict
from fitnesscrm.scheduling import services
from fitnesscrm.scheduling.models import Booking, BookingStatus, Session
from tests.factories import (
    ClassSessionFactory,
    MemberFactory,
    SessionFactory,
    TrainerFactory,
    UserFactory,
    in_days,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")


def _at_once(*calls) -> list:
    """Run each call in its own thread and connection, all released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_clients_after_the_last_seat_one_gets_it_and_one_is_waitlisted():
    desk = UserFactory(role="front_desk")
    session = ClassSessionFactory(capacity=1)
    ann, bob = MemberFactory(), MemberFactory()

    results = _at_once(
        lambda: services.booking_create(actor=desk, session=session, client=ann),
        lambda: services.booking_create(actor=desk, session=session, client=bob),
    )

    statuses = sorted(r.booking.status for r in results)
    assert statuses == [BookingStatus.BOOKED, BookingStatus.WAITLISTED]
    session.refresh_from_db()
    assert (session.booked_count, session.waitlist_count) == (1, 1)


def test_twenty_clients_after_five_seats_without_a_waitlist_five_get_one():
    desk = UserFactory(role="front_desk")
    session = ClassSessionFactory(capacity=5)
    clients = [MemberFactory() for _ in range(20)]

    results = _at_once(
        *[
            (lambda c=c: services.booking_create(
                actor=desk, session=session, client=c, waitlist=False
            ))
            for c in clients
        ]
    )  # fmt: skip

    booked = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(booked) == 5 and len(refused) == 15
    assert {r.code for r in refused} == {"session_full"}
    assert Booking.objects.filter(session=session, status=BookingStatus.BOOKED).count() == 5
    session.refresh_from_db()
    assert session.booked_count == 5


def test_two_desks_scheduling_one_trainer_at_the_same_time_one_is_refused():
    desk = UserFactory(role="front_desk")
    coach = TrainerFactory()

    results = _at_once(
        lambda: services.session_create(actor=desk, trainer=coach, starts_at=in_days(2, 9)),
        lambda: services.session_create(actor=desk, trainer=coach, starts_at=in_days(2, 9, 30)),
    )

    created = [r for r in results if isinstance(r, Session)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].code == "schedule_conflict"
    assert Session.objects.count() == 1


def test_the_database_itself_refuses_overlapping_sessions_of_a_trainer_or_a_room():
    first = ClassSessionFactory(starts_at=in_days(3, 18))

    with pytest.raises(IntegrityError, match="session_trainer_no_overlap"), transaction.atomic():
        SessionFactory(trainer=first.trainer, starts_at=first.starts_at + timedelta(minutes=30))
    with pytest.raises(IntegrityError, match="session_room_no_overlap"), transaction.atomic():
        ClassSessionFactory(room=first.room, starts_at=first.starts_at + timedelta(minutes=10))
    # Back to back, and a cancelled session, are allowed.
    SessionFactory(trainer=first.trainer, starts_at=first.ends_at)
    SessionFactory(trainer=first.trainer, starts_at=first.starts_at, status="cancelled")
    assert Session.objects.count() == 3
