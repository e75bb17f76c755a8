"""Booking emails: what a client receives when a place is taken, lost, or the session changes.

The services queue the emails; `_deliver()` runs the queued tasks as the worker would,
into Django's test outbox. The last test sends through a real SMTP server.
"""

from datetime import UTC

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from fitnesscrm.scheduling import emails, services
from fitnesscrm.scheduling.feeds import UID_DOMAIN
from fitnesscrm.scheduling.models import SchedulingSettings
from fitnesscrm.scheduling.tasks import send_booking_email
from tests.core.test_tasks import run_worker, smtp_server  # noqa: F401 - fixtures
from tests.factories import ClassSessionFactory, SessionFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def new_york(settings):
    """A business far from UTC, so a time shown in UTC by mistake is caught."""
    settings.TIME_ZONE = "America/New_York"


def _deliver() -> list:
    """Run the queued booking emails, oldest first; returns the messages sent."""
    sent_before = len(mail.outbox)
    for row in DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"):
        kwargs = row.args_kwargs["kwargs"]
        send_booking_email.call(**kwargs)
        row.delete()
    return mail.outbox[sent_before:]


def _ics(message) -> tuple[str, Calendar]:
    """The `.ics` attachment's content type and its calendar (a Django EmailMessage)."""
    [part] = message.attachments
    return part.get_content_type(), part, Calendar.from_ical(part.get_content())


def _event(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def _feed_event(client_feed_url: str, session):
    calendar = Calendar.from_ical(Browser().get(client_feed_url).content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}[f"{session.uid}@{UID_DOMAIN}"]


def _feed_url(gym) -> str:
    feed = services.calendar_feed_get_or_create(actor=gym.member.user, client=gym.member)
    return reverse("feeds:feed", args=[feed.token])


def test_a_booking_confirmation_has_text_html_local_times_and_an_invitation(gym, front_desk):
    # 07:00 in New York is 12:00 UTC in winter and 11:00 in summer.
    session = ClassSessionFactory(trainer=gym.coach, title="Spin", starts_at=in_days(3, 7))
    services.booking_create(actor=front_desk, session=session, client=gym.member)

    [message] = _deliver()

    assert message.to == ["cleo.member@example.test"]
    assert message.subject.startswith("Booked: Spin on ")
    assert "at 07:00" in message.subject
    assert "07:00 to 08:00" in message.body
    assert "Hello Cleo" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "07:00 to 08:00" in html and "You are booked in" in html
    content_type, part, calendar = _ics(message)
    assert content_type == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "session.ics"
    assert str(calendar["method"]) == "REQUEST"
    event = _event(calendar)
    assert str(event["uid"]) == f"{session.uid}@{UID_DOMAIN}"
    assert event.decoded("dtstart") == session.starts_at.astimezone(UTC)
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["attendee"]) == "mailto:cleo.member@example.test"
    assert str(event["organizer"]).startswith("mailto:")


def test_the_invitation_carries_the_same_uid_and_sequence_as_the_clients_feed(
    gym, front_desk, trainer
):
    session = SessionFactory(trainer=gym.coach, starts_at=in_days(3, 9))
    feed_url = _feed_url(gym)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    [booked] = _deliver()
    services.session_update(actor=trainer, session=session, starts_at=in_days(4, 10))
    [moved] = _deliver()

    booked_event, moved_event = _event(_ics(booked)[2]), _event(_ics(moved)[2])
    in_feed = _feed_event(feed_url, session)
    assert str(booked_event["uid"]) == str(moved_event["uid"]) == str(in_feed["uid"])
    assert booked_event["sequence"] < moved_event["sequence"] == in_feed["sequence"]
    assert moved_event.decoded("dtstart") == in_days(4, 10).astimezone(UTC)
    assert moved.subject.startswith("Changed: Personal training is now on ")
    assert "10:00" in moved.subject


def test_a_cancelled_booking_sends_a_cancellation_that_removes_the_event(gym, front_desk):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(5, 7))
    result = services.booking_create(actor=front_desk, session=session, client=gym.member)
    [booked] = _deliver()
    services.booking_cancel(actor=front_desk, booking=result.booking)
    [cancelled] = _deliver()

    assert cancelled.subject.startswith("Cancelled: ")
    _, part, calendar = _ics(cancelled)
    assert part.get_param("method") == "CANCEL"
    assert str(calendar["method"]) == "CANCEL"
    event = _event(calendar)
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(_event(_ics(booked)[2])["uid"])
    assert event["sequence"] > _event(_ics(booked)[2])["sequence"]


def test_a_late_cancellation_says_so(gym, front_desk):
    SchedulingSettings.objects.update_or_create(pk=1, defaults={"late_cancel_hours": 48})
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(1, 18))
    result = services.booking_create(actor=front_desk, session=session, client=gym.member)
    services.booking_cancel(actor=front_desk, booking=result.booking)

    cancelled = _deliver()[-1]

    assert "within 48 hours of the start" in cancelled.body


def test_the_waitlist_email_gives_the_place_in_line_and_no_invitation(gym, front_desk):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1, starts_at=in_days(5, 7))
    services.booking_create(actor=front_desk, session=session, client=gym.stranger)
    services.booking_create(actor=front_desk, session=session, client=gym.member)

    waitlisted = [m for m in _deliver() if m.to == [gym.member.email]]

    [message] = waitlisted
    assert message.subject.startswith("On the waitlist: ")
    assert "(number 1)" in message.body
    assert message.attachments == []


def test_a_client_promoted_from_the_waitlist_gets_an_invitation(gym, front_desk):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1, starts_at=in_days(5, 7))
    seat = services.booking_create(actor=front_desk, session=session, client=gym.stranger)
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    services.booking_cancel(actor=front_desk, booking=seat.booking)

    promoted = [m for m in _deliver() if m.subject.startswith("A place is yours")]

    [message] = promoted
    assert message.to == [gym.member.email]
    assert _ics(message)[1].get_param("method") == "REQUEST"


def test_a_cancelled_session_tells_the_booked_and_cancels_only_invitations_they_had(
    gym, front_desk, trainer
):
    session = ClassSessionFactory(trainer=gym.coach, capacity=1, starts_at=in_days(5, 7))
    services.booking_create(actor=front_desk, session=session, client=gym.member)
    services.booking_create(actor=front_desk, session=session, client=gym.stranger)
    _deliver()

    services.session_cancel(actor=trainer, session=session, reason="Studio flooded")
    sent = {m.to[0]: m for m in _deliver()}

    booked, waiting = sent[gym.member.email], sent[gym.stranger.email]
    assert "is cancelled" in booked.subject
    assert "Studio flooded" in booked.body
    assert _ics(booked)[1].get_param("method") == "CANCEL"
    assert waiting.attachments == []  # never had the event in their calendar


def test_no_confirmation_goes_out_for_a_booking_cancelled_before_the_email_was_sent(
    gym, front_desk
):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(5, 7))
    result = services.booking_create(actor=front_desk, session=session, client=gym.member)
    services.booking_cancel(actor=front_desk, booking=result.booking)

    sent = _deliver()

    assert [m.subject.split(":")[0] for m in sent] == ["Cancelled"]


def test_a_client_without_an_email_address_gets_nothing(gym, front_desk):
    gym.member.email = ""
    gym.member.save(update_fields=["email"])
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(5, 7))
    result = services.booking_create(actor=front_desk, session=session, client=gym.member)

    assert emails.booking_email_send(booking_id=result.booking.pk, event="booked") is False
    assert _deliver() == []


def test_an_online_session_email_carries_the_video_link(gym, front_desk):
    session = SessionFactory(
        trainer=gym.coach, video_url="https://meet.example.test/abc", starts_at=in_days(2, 9)
    )
    services.booking_create(actor=front_desk, session=session, client=gym.member)

    [message] = _deliver()

    assert "https://meet.example.test/abc" in message.body
    assert 'href="https://meet.example.test/abc"' in message.alternatives[0][0]
    assert str(_event(_ics(message)[2])["url"]) == "https://meet.example.test/abc"


def test_the_confirmation_arrives_by_smtp_with_an_invitation_a_calendar_can_read(
    transactional_db,
    gym,
    front_desk,
    run_worker,  # noqa: F811
    smtp_server,  # noqa: F811
):
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(3, 7))
    with transaction.atomic():
        services.booking_create(actor=front_desk, session=session, client=gym.member)

    run_worker()

    [message] = smtp_server.messages
    assert message["To"] == gym.member.email
    assert "07:00" in message.get_body(preferencelist=("plain",)).get_content()
    assert message.get_body(preferencelist=("html",)) is not None
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    event = _event(Calendar.from_ical(attachment.get_content()))
    assert str(event["uid"]) == f"{session.uid}@{UID_DOMAIN}"
    assert event.decoded("dtstart") == session.starts_at.astimezone(UTC)
