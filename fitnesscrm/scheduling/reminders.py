"""Reminder rows: one per booked seat and offset, created when the seat is taken.

The sender claims each due row with a conditional UPDATE before sending, so two
workers never send the same reminder (fitnesscrm.scheduling.tasks.send_due_reminders).
"""

from datetime import timedelta

from django.utils import timezone

from fitnesscrm.scheduling.models import Booking, Reminder, ReminderChannel, SchedulingSettings


def offsets() -> list[int]:
    return sorted({int(m) for m in SchedulingSettings.load().reminder_offsets if int(m) > 0})


def reminders_schedule(booking: Booking, *, minutes: list[int] | None = None) -> None:
    """Reminders for a seat, at each configured offset that is still in the future."""
    now = timezone.now()
    starts_at = booking.session.starts_at
    rows = [
        Reminder(
            booking=booking,
            channel=ReminderChannel.EMAIL,
            offset_minutes=offset,
            due_at=starts_at - timedelta(minutes=offset),
        )
        for offset in (offsets() if minutes is None else minutes)
        if starts_at - timedelta(minutes=offset) > now
    ]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def reminders_drop(booking: Booking) -> None:
    """A cancelled seat gets no reminder: unclaimed rows go (the sender re-checks too)."""
    Reminder.objects.filter(booking=booking, claimed_at__isnull=True).delete()


def reminders_reschedule(session) -> None:
    """A moved session moves its unsent reminders; those now in the past are dropped."""
    now = timezone.now()
    pending = Reminder.objects.filter(booking__session=session, claimed_at__isnull=True)
    for reminder in pending.only("id", "offset_minutes"):
        due = session.starts_at - timedelta(minutes=reminder.offset_minutes)
        if due <= now:
            Reminder.objects.filter(pk=reminder.pk, claimed_at__isnull=True).delete()
        else:
            Reminder.objects.filter(pk=reminder.pk, claimed_at__isnull=True).update(due_at=due)
    # Reminders already sent at an offset stay sent: a booking gets each offset once.
