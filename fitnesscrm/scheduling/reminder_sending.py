"""Sending due reminders, each exactly once however many workers run.

Reminder rows are written by reminders.py when a seat is taken, and moved or
dropped with the session or the booking. The sender:

1. lists due rows nobody has claimed (the partial index reminder_due_unclaimed);
2. claims each with `UPDATE … SET claimed_at = now WHERE id = … AND claimed_at IS NULL`
   in its own autocommit statement, and goes on only if it changed one row: of two
   workers that listed the same row, the database lets exactly one claim it;
3. reads the booking again and checks it still wants the reminder (booked, the
   session scheduled and not started); if not, records why and stops;
4. sends it and records `sent_at`.

A send that fails releases the claim and puts the row back a few minutes later,
until it is too late to be useful; then it is recorded as not sent. A worker that
dies between claiming and recording leaves the row claimed: a reminder is sent at
most once, never twice.
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from fitnesscrm.scheduling import emails
from fitnesscrm.scheduling.models import (
    Booking,
    BookingStatus,
    Reminder,
    ReminderChannel,
    SessionStatus,
)

logger = logging.getLogger(__name__)

# How many due rows one run lists; the next run (a minute later) takes the rest.
BATCH = 200
# A failed send is tried again this much later…
RETRY_AFTER = timedelta(minutes=5)
# …until the reminder is this late (so at most about seven tries), then given up.
GIVE_UP_AFTER = timedelta(minutes=30)

# One sender per channel. SMS reminders wait, unclaimed, until an SMS backend adds
# its sender here; the list of due rows only asks for channels that have one.
SENDERS: dict[str, Callable[[Booking], None]] = {
    ReminderChannel.EMAIL: emails.reminder_email_send,
}

SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
RETRY = "retry"  # failed, and put back for a later try
TAKEN = "taken"  # another worker claimed it first
NOT_DUE = "not_due"  # the session moved later since the row was listed


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    retry: int = 0
    failed: int = 0
    taken: int = 0
    not_due: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def due_reminder_ids(*, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        Reminder.objects.filter(claimed_at__isnull=True, due_at__lte=now, channel__in=list(SENDERS))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def reminders_send_due(*, now: datetime | None = None, limit: int = BATCH) -> SendReport:
    """Send every reminder due by `now` that no other worker has claimed."""
    report = SendReport()
    for reminder_id in due_reminder_ids(now=now or timezone.now(), limit=limit):
        outcome = reminder_send(reminder_id, now=now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    if report.sent or report.failed or report.retry:
        logger.info("reminders %s", report.as_dict())
    return report


def _claim(reminder_id: int, now: datetime) -> bool:
    return (
        Reminder.objects.filter(pk=reminder_id, claimed_at__isnull=True).update(claimed_at=now) == 1
    )


def _record(reminder_id: int, **fields) -> None:
    Reminder.objects.filter(pk=reminder_id).update(**fields)


def _why_not(reminder: Reminder, now: datetime) -> str:
    """Why the reminder is no longer wanted, or "" to send it."""
    booking = reminder.booking
    session = booking.session
    if booking.status != BookingStatus.BOOKED:
        return f"The booking is {booking.get_status_display().lower()}."
    if session.status != SessionStatus.SCHEDULED:
        return f"The session is {session.get_status_display().lower()}."
    if session.starts_at <= now:
        return "The session had already started."
    if booking.client.archived_at is not None:
        return "The client is archived."
    if reminder.channel == ReminderChannel.EMAIL and not booking.client.email:
        return "The client has no email address."
    return ""


def reminder_send(reminder_id: int, *, now: datetime | None = None) -> str:
    """Claim, check again, send and record one reminder; returns what happened.

    `now` is the time the checks are made at (tests pass a later one to let time pass).
    """
    now = now or timezone.now()
    if not _claim(reminder_id, now):
        return TAKEN
    reminder = Reminder.objects.select_related(
        "booking__client",
        "booking__session__trainer__user",
        "booking__session__room__location",
        "booking__session__location",
    ).get(pk=reminder_id)
    reason = _why_not(reminder, now)
    if reason:
        _record(reminder_id, skipped_reason=reason)
        return SKIPPED
    due = reminder.booking.session.starts_at - timedelta(minutes=reminder.offset_minutes)
    if due > now:
        # Listed before its session was moved later: back in the queue at its new time.
        _record(reminder_id, claimed_at=None, due_at=due)
        return NOT_DUE
    try:
        SENDERS[reminder.channel](reminder.booking)
    except Exception:
        logger.exception("reminder %s could not be sent", reminder_id)
        retry_at = now + RETRY_AFTER
        if retry_at - due > GIVE_UP_AFTER or retry_at >= reminder.booking.session.starts_at:
            _record(reminder_id, skipped_reason="Sending failed; it was too late to try again.")
            return FAILED
        _record(reminder_id, claimed_at=None, due_at=retry_at)
        return RETRY
    _record(reminder_id, sent_at=timezone.now())
    return SENT
