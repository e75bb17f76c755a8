"""Reminders before a booked session: sent once, by one worker, and never for a cancelled place.

Reminders go to a real SMTP server (aiosmtpd) as the worker sends them. Time passes by
giving the sender a later `now`, as the worker would see it then.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from fitnesscrm.periodic import PERIODIC_JOBS
from fitnesscrm.scheduling import reminder_sending, services
from fitnesscrm.scheduling.models import (
    BookingStatus,
    Reminder,
    ReminderChannel,
    SchedulingSettings,
    SessionStatus,
)
from fitnesscrm.scheduling.tasks import send_due_reminders
from tests.core.test_tasks import _free_port, smtp_mailers, smtp_server  # noqa: F401
from tests.factories import BookingFactory, ClassSessionFactory, MemberFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _due_reminder(client, *, starts_in=timedelta(minutes=59), offset=60, **session) -> Reminder:
    """A booked seat whose `offset`-minute reminder is due now (the session is close)."""
    starts_at = timezone.now() + starts_in
    ends_at = starts_at + timedelta(hours=1)
    booking = BookingFactory(
        session=SessionFactory(starts_at=starts_at, ends_at=ends_at, **session), client=client
    )
    return Reminder.objects.create(
        booking=booking, offset_minutes=offset, due_at=starts_at - timedelta(minutes=offset)
    )


def _refresh(reminder: Reminder) -> Reminder:
    reminder.refresh_from_db()
    return reminder


def test_a_due_reminder_is_emailed_once_and_recorded_as_sent(gym, smtp_server):  # noqa: F811
    reminder = _due_reminder(gym.member, title="Strength", trainer=gym.coach)

    first = reminder_sending.reminders_send_due()
    second = reminder_sending.reminders_send_due()

    assert (first.sent, second.sent) == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == gym.member.email
    # The session starts in 59 minutes: "tomorrow" when that is past midnight.
    starts = timezone.localtime(reminder.booking.session.starts_at)
    day = "today" if starts.date() == timezone.localdate() else "tomorrow"
    assert message["Subject"].startswith(f"Reminder: Strength {day} at ")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Tom Trainer" in text and "Hello Cleo" in text
    assert message.get_body(preferencelist=("html",)) is not None
    reminder = _refresh(reminder)
    assert reminder.sent_at is not None and reminder.claimed_at is not None
    assert reminder.skipped_reason == ""


def test_booking_a_seat_schedules_the_owners_offsets_and_they_go_out_at_their_time(
    gym,
    front_desk,
    smtp_server,  # noqa: F811
):
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"reminder_offsets": [1440, 60]})
    session = ClassSessionFactory(trainer=gym.coach, starts_at=timezone.now() + timedelta(days=3))
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    day_before = session.starts_at - timedelta(hours=24)
    hour_before = session.starts_at - timedelta(minutes=60)

    assert reminder_sending.reminders_send_due().sent == 0  # not due yet
    assert reminder_sending.reminders_send_due(now=day_before).sent == 1
    assert reminder_sending.reminders_send_due(now=day_before + timedelta(minutes=1)).sent == 0
    assert reminder_sending.reminders_send_due(now=hour_before).sent == 1
    assert len(smtp_server.messages) == 2
    assert set(Reminder.objects.values_list("offset_minutes", flat=True)) == {1440, 60}
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_no_reminder_is_sent_for_a_cancelled_booking(gym, front_desk, smtp_server):  # noqa: F811
    session = ClassSessionFactory(trainer=gym.coach, starts_at=timezone.now() + timedelta(days=3))
    result = services.booking_create(actor=front_desk, session=session, client=gym.member)
    assert Reminder.objects.filter(booking=result.booking).count() == 2

    services.booking_cancel(actor=front_desk, booking=result.booking)
    report = reminder_sending.reminders_send_due(now=session.starts_at - timedelta(minutes=30))

    assert report.sent == 0
    assert smtp_server.messages == []
    assert not Reminder.objects.filter(booking=result.booking, sent_at__isnull=False).exists()


def test_a_reminder_whose_booking_was_cancelled_after_it_was_listed_is_skipped(
    gym,
    smtp_server,  # noqa: F811
):
    reminder = _due_reminder(gym.member)
    reminder.booking.status = BookingStatus.CANCELLED
    reminder.booking.save(update_fields=["status"])
    session_gone = _due_reminder(gym.stranger)
    session_gone.booking.session.status = SessionStatus.CANCELLED
    session_gone.booking.session.save(update_fields=["status"])

    report = reminder_sending.reminders_send_due()

    assert (report.sent, report.skipped) == (0, 2)
    assert smtp_server.messages == []
    assert _refresh(reminder).skipped_reason == "The booking is cancelled."
    assert _refresh(session_gone).skipped_reason == "The session is cancelled."
    assert _refresh(reminder).sent_at is None


def test_a_reminder_moves_with_a_rescheduled_session(gym, front_desk, trainer, smtp_server):  # noqa: F811
    starts = timezone.now() + timedelta(days=3)
    session = ClassSessionFactory(trainer=gym.coach, starts_at=starts)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    later = starts + timedelta(days=2)

    services.session_update(actor=trainer, session=session, starts_at=later)

    dues = dict(Reminder.objects.values_list("offset_minutes", "due_at"))
    assert dues == {1440: later - timedelta(hours=24), 60: later - timedelta(hours=1)}
    # Nothing goes out at the old times; each goes out once at the new ones.
    assert reminder_sending.reminders_send_due(now=starts - timedelta(minutes=59)).sent == 0
    assert reminder_sending.reminders_send_due(now=later - timedelta(minutes=59)).sent == 2
    assert reminder_sending.reminders_send_due(now=later - timedelta(minutes=30)).sent == 0
    assert len(smtp_server.messages) == 2


def test_a_reminder_listed_before_its_session_moved_later_goes_back_to_wait(gym):
    reminder = _due_reminder(gym.member)
    session = reminder.booking.session
    # The session moves a day later between the listing and the claim.
    type(session).objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + timedelta(days=1), ends_at=session.ends_at + timedelta(days=1)
    )

    assert reminder_sending.reminder_send(reminder.pk) == reminder_sending.NOT_DUE

    reminder = _refresh(reminder)
    assert reminder.claimed_at is None and reminder.sent_at is None
    assert reminder.due_at == session.starts_at + timedelta(days=1) - timedelta(minutes=60)


def test_a_reminder_for_a_session_that_has_started_is_skipped(gym, smtp_server):  # noqa: F811
    reminder = _due_reminder(gym.member, starts_in=timedelta(minutes=-5), offset=60)

    assert reminder_sending.reminders_send_due().skipped == 1
    assert _refresh(reminder).skipped_reason == "The session had already started."
    assert smtp_server.messages == []


def test_a_client_without_an_email_address_is_skipped_with_the_reason(gym):
    gym.member.email = ""
    gym.member.save(update_fields=["email"])
    reminder = _due_reminder(gym.member)

    reminder_sending.reminders_send_due()

    assert _refresh(reminder).skipped_reason == "The client has no email address."


def test_a_failed_send_records_nothing_and_is_retried_later(gym, smtp_server):  # noqa: F811
    reminder = _due_reminder(gym.member)
    now = timezone.now()

    with override_settings(MAILERS=smtp_mailers(_free_port())):  # the mail server is down
        report = reminder_sending.reminders_send_due(now=now)

    assert report.retry == 1
    reminder = _refresh(reminder)
    assert reminder.sent_at is None and reminder.claimed_at is None
    assert reminder.skipped_reason == ""
    assert reminder.due_at == now + reminder_sending.RETRY_AFTER
    assert reminder_sending.reminders_send_due(now=now + timedelta(minutes=1)).sent == 0
    assert reminder_sending.reminders_send_due(now=now + timedelta(minutes=6)).sent == 1
    assert len(smtp_server.messages) == 1


def test_sending_gives_up_once_a_reminder_is_too_late_to_be_useful(gym):
    reminder = _due_reminder(gym.member, starts_in=timedelta(minutes=40), offset=68)

    with override_settings(MAILERS=smtp_mailers(_free_port())):
        report = reminder_sending.reminders_send_due()

    assert report.failed == 1
    reminder = _refresh(reminder)
    assert reminder.sent_at is None and reminder.claimed_at is not None
    assert reminder.skipped_reason.startswith("Sending failed")
    assert reminder_sending.reminders_send_due().failed == 0  # not tried again


def test_sms_reminders_wait_for_an_sms_backend(gym, smtp_server):  # noqa: F811
    reminder = _due_reminder(gym.member)
    Reminder.objects.filter(pk=reminder.pk).update(channel=ReminderChannel.SMS)

    assert (
        reminder_sending.reminders_send_due().as_dict() == reminder_sending.SendReport().as_dict()
    )
    assert _refresh(reminder).claimed_at is None


def test_a_worker_that_lost_the_claim_to_another_sends_nothing(gym, smtp_server):  # noqa: F811
    for client in (gym.member, gym.stranger, MemberFactory()):
        _due_reminder(client)
    listed_by_a = reminder_sending.due_reminder_ids(now=timezone.now())

    worker_b = reminder_sending.reminders_send_due()
    worker_a = [reminder_sending.reminder_send(pk) for pk in listed_by_a]

    assert worker_b.sent == 3
    assert worker_a == [reminder_sending.TAKEN] * 3
    assert len(smtp_server.messages) == 3


def test_the_reminder_job_runs_every_minute_and_reports_what_it_sent(gym, smtp_server):  # noqa: F811
    [job] = [j for j in PERIODIC_JOBS if j.task.endswith("send_due_reminders")]
    assert job.every == timedelta(minutes=1)
    _due_reminder(gym.member)

    assert send_due_reminders.call()["sent"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_exactly_once(smtp_server):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers need PostgreSQL")
    clients = [MemberFactory(email=f"member{i}@example.test") for i in range(30)]
    for client in clients:
        _due_reminder(client)
    barrier = threading.Barrier(2)
    reports: list = [None, None]

    def worker(i: int) -> None:
        try:
            barrier.wait()
            reports[i] = reminder_sending.reminders_send_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    recipients = sorted(message["To"] for message in smtp_server.messages)
    assert recipients == sorted(client.email for client in clients)
    assert reports[0].sent + reports[1].sent == 30
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
