"""A client's record: contact, consent, health by role, trainers, tasks, timeline, archive."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, EntryKind, FollowUpTask, Status
from fitnesscrm.core.models import AuditEntry
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    FollowUpTaskFactory,
    TimelineEntryFactory,
    TrainerFactory,
    UserFactory,
)

HEALTH = "HEALTH-SECRET asthma"
INJURY = "INJURY-SECRET knee"


def url(client, suffix: str = "") -> str:
    return f"/clients/{client.pk}/{suffix}"


def timeline_texts(body: str) -> list[str]:
    """The text of each timeline entry, top to bottom (its headline or its note)."""
    entries = body.split('data-testid="timeline-entry"')[1:]
    out = []
    for entry in entries:
        text = re.sub(r"<[^>]+>", " ", entry.split("</li>", 1)[0])
        out.append(" ".join(text.split()))
    return out


@pytest.fixture
def ana(db):
    return ClientFactory(
        first_name="Ana",
        last_name="Silva",
        email="ana@example.test",
        phone="+447911123456",
        goals="Run a 10k",
        health_notes=HEALTH,
        injuries=INJURY,
        emergency_contact_name="João Silva",
    )


# --- What the record shows -------------------------------------------------------------------


def test_the_record_shows_contact_details_goals_and_emergency_contact(ana, front_desk, login):
    body = login(front_desk).get(url(ana)).content.decode()

    assert 'data-testid="client-name">Ana Silva<' in body
    assert "mailto:ana@example.test" in body
    assert "+44 7911 123456" in body
    assert "Run a 10k" in body
    assert "João Silva" in body


def test_consent_is_shown_with_when_it_was_given_or_withdrawn(ana, front_desk, login, settings):
    settings.TIME_ZONE = "Europe/London"
    Client.objects.filter(pk=ana.pk).update(
        email_consent=True,
        email_consent_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        sms_consent=False,
        sms_consent_at=datetime(2026, 3, 5, 18, 0, tzinfo=UTC),
    )

    body = login(front_desk).get(url(ana)).content.decode()

    email = body.split('data-testid="email-consent"')[1].split("</li>")[0]
    sms = body.split('data-testid="sms-consent"')[1].split("</li>")[0]
    assert "given" in email and "2 Mar 2026, 09:30" in email
    assert "not given" in sms and "withdrawn 5 Mar 2026, 18:00" in sms


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_see_the_health_card(role, ana, request, login):
    body = login(request.getfixturevalue(role)).get(url(ana)).content.decode()

    assert 'data-testid="health-card"' in body
    assert HEALTH in body and INJURY in body


def test_an_assigned_trainer_sees_the_health_card(ana, trainer, trainer_profile, login):
    AssignmentFactory(client=ana, trainer=trainer_profile)

    body = login(trainer).get(url(ana)).content.decode()

    assert HEALTH in body and INJURY in body


def test_a_trainer_whose_assignment_ended_no_longer_sees_the_client(
    ana, trainer, trainer_profile, login
):
    AssignmentFactory(
        client=ana,
        trainer=trainer_profile,
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
    )

    assert login(trainer).get(url(ana)).status_code == 404


def test_the_front_desk_never_sees_health_text_on_any_page(ana, front_desk, login):
    duplicate = ClientFactory(first_name="Ana", last_name="S.", health_notes="DUP-HEALTH")
    FollowUpTaskFactory(client=ana, assigned_to=front_desk)
    browser = login(front_desk)

    pages = [
        url(ana),
        url(ana, "edit/"),
        url(ana, f"merge/?q=ana&duplicate={duplicate.pk}"),
        "/clients/?q=ana",
        "/leads/",
        "/tasks/",
    ]
    for page in pages:
        response = browser.get(page)
        body = response.content.decode()
        assert response.status_code == 200, page
        assert "HEALTH-SECRET" not in body, page
        assert "INJURY-SECRET" not in body, page
        assert "DUP-HEALTH" not in body, page
    assert 'data-testid="health-card"' not in browser.get(url(ana)).content.decode()


# --- Trainers ----------------------------------------------------------------------------------


def test_active_trainers_show_the_primary_badge_and_ended_ones_are_history(ana, owner, login):
    primary = TrainerFactory(user__full_name="Pia Primary")
    second = TrainerFactory(user__full_name="Sam Second")
    former = TrainerFactory(user__full_name="Fay Former")
    AssignmentFactory(client=ana, trainer=primary, is_primary=True)
    AssignmentFactory(client=ana, trainer=second, is_primary=False)
    AssignmentFactory(
        client=ana,
        trainer=former,
        is_primary=False,
        start_date=timezone.localdate() - timedelta(days=30),
        end_date=timezone.localdate() - timedelta(days=2),
    )

    body = login(owner).get(url(ana)).content.decode()

    active = body.split('data-testid="active-assignment"')[1:]
    assert "Pia Primary" in active[0] and "Primary</span>" in active[0]
    assert "Sam Second" in active[1] and "Primary</span>" not in active[1]
    ended = body.split('data-testid="ended-assignment"')[1]
    assert "Fay Former" in ended
    assert "Earlier trainers (1)" in body


def test_the_desk_assigns_a_trainer_and_the_timeline_says_so(ana, front_desk, login):
    coach = TrainerFactory(user__full_name="Kwame Mensah")

    response = login(front_desk).post(
        url(ana, "assignments/"), {"trainer": coach.pk, "is_primary": "on", "notes": "Mornings"}
    )

    assert response.status_code == 302
    assignment = Assignment.objects.get(client=ana)
    assert (assignment.trainer, assignment.is_primary, assignment.notes) == (
        coach,
        True,
        "Mornings",
    )
    body = login(front_desk).get(url(ana)).content.decode()
    assert "Kwame Mensah assigned as primary trainer." in body


def test_assigning_the_same_trainer_twice_is_refused_at_the_form(ana, front_desk, login):
    coach = TrainerFactory(user__full_name="Kwame Mensah")
    AssignmentFactory(client=ana, trainer=coach)

    response = login(front_desk).post(url(ana, "assignments/"), {"trainer": coach.pk})

    assert response.status_code == 400
    assert "Kwame Mensah is already assigned to Ana Silva." in response.content.decode()
    assert Assignment.objects.filter(client=ana).count() == 1


def test_assigning_an_unknown_trainer_is_an_error_at_the_field(ana, front_desk, login):
    response = login(front_desk).post(url(ana, "assignments/"), {"trainer": "987654"})

    assert response.status_code == 400
    assert 'id="id_trainer_error"' in response.content.decode()


def test_ending_an_assignment_keeps_it_as_history(ana, manager, login):
    assignment = AssignmentFactory(client=ana, trainer=TrainerFactory(user__full_name="Kim"))

    response = login(manager).post(url(ana, f"assignments/{assignment.pk}/end/"), follow=True)

    assignment.refresh_from_db()
    assert assignment.end_date == timezone.localdate()
    body = response.content.decode()
    assert "Kim no longer assigned; kept in history." in body
    assert 'data-testid="ended-assignment"' in body


def test_a_trainer_sees_no_assign_or_end_controls(ana, trainer, trainer_profile, login):
    AssignmentFactory(client=ana, trainer=trainer_profile)

    body = login(trainer).get(url(ana)).content.decode()

    assert "/assignments/" not in body


# --- Tasks -----------------------------------------------------------------------------------


def test_a_follow_up_task_is_added_for_a_staff_member_and_shows_on_their_tasks_page(
    ana, front_desk, trainer, login
):
    response = login(front_desk).post(
        url(ana, "tasks/"),
        {"title": "Call about the trial", "due_date": "2030-05-01", "assigned_to": trainer.pk},
    )

    assert response.status_code == 302
    task = FollowUpTask.objects.get()
    assert (task.title, task.assigned_to, task.created_by) == (
        "Call about the trial",
        trainer,
        front_desk,
    )
    assert "Call about the trial" in login(front_desk).get(url(ana)).content.decode()


def test_only_active_staff_can_be_given_a_task(ana, front_desk, client_user, login):
    gone = UserFactory(role="trainer", full_name="Gone Trainer", is_active=False)

    body = login(front_desk).get(url(ana)).content.decode()
    refused = login(front_desk).post(
        url(ana, "tasks/"),
        {"title": "Call", "due_date": "2030-05-01", "assigned_to": client_user.pk},
    )

    assert "Gone Trainer" not in body
    assert f'<option value="{client_user.pk}"' not in body
    assert refused.status_code == 400
    assert 'id="id_assigned_to_error"' in refused.content.decode()
    assert not FollowUpTask.objects.exists()
    assert gone.pk  # exists, just not offered


def test_a_task_without_a_title_or_date_is_refused_at_the_fields_keeping_what_was_typed(
    ana, front_desk, login
):
    response = login(front_desk).post(
        url(ana, "tasks/"), {"title": "", "due_date": "someday", "assigned_to": front_desk.pk}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "Say what needs doing." in body
    assert 'id="id_due_date_error"' in body
    assert 'value="someday"' in body


def test_an_open_task_can_be_ticked_off_from_the_record(ana, front_desk, login):
    task = FollowUpTaskFactory(client=ana, assigned_to=front_desk, title="Send the price list")
    browser = login(front_desk)

    response = browser.post(f"/tasks/{task.pk}/done/", {"next": url(ana) + "#tasks"})

    assert response["Location"] == url(ana) + "#tasks"
    task.refresh_from_db()
    assert task.done_at is not None
    body = browser.get(url(ana)).content.decode()
    assert 'data-testid="open-task"' not in body
    assert "Recently done (1)" in body


def test_an_overdue_task_is_marked_on_the_record(ana, front_desk, login):
    FollowUpTaskFactory(
        client=ana, assigned_to=front_desk, due_date=timezone.localdate() - timedelta(days=1)
    )

    body = login(front_desk).get(url(ana)).content.decode()

    assert "Overdue" in body


# --- Timeline ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "label"), [("note", "Note"), ("call", "Call logged"), ("email", "Email logged")]
)
def test_notes_calls_and_emails_are_added_with_author_and_time(kind, label, ana, front_desk, login):
    response = login(front_desk).post(
        url(ana, "notes/"), {"kind": kind, "body": "Talked about <b>goals</b>"}, follow=True
    )

    entry = ana.timeline.get(kind=kind)
    assert entry.author == front_desk
    body = response.content.decode()
    first = timeline_texts(body)[0]
    assert label in first
    assert "Dana Desk" in first
    assert timezone.localtime(entry.created_at).strftime("%-d %b %Y, %H:%M") in first
    assert "Talked about &lt;b&gt;goals&lt;/b&gt;" in body  # escaped, not markup


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write something first."), ("x" * 10001, "At most 10000 characters")],
)
def test_a_note_that_is_empty_or_too_long_is_refused_keeping_the_text(
    text, message, ana, front_desk, login
):
    response = login(front_desk).post(url(ana, "notes/"), {"kind": "note", "body": text})

    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    if text.strip():
        assert text in body
    assert not ana.timeline.filter(kind="note").exists()


def test_the_timeline_shows_pinned_notes_first_then_the_newest(ana, front_desk, login):
    now = timezone.now()
    for body, days, pinned in [
        ("oldest note", 3, False),
        ("pinned long ago", 10, True),
        ("newest note", 0, False),
    ]:
        entry = TimelineEntryFactory(client=ana, body=body, pinned=pinned)
        ana.timeline.filter(pk=entry.pk).update(created_at=now - timedelta(days=days))

    texts = timeline_texts(login(front_desk).get(url(ana)).content.decode())

    order = [t for t in texts if "note" in t or "pinned" in t]
    assert "pinned long ago" in order[0] and "Pinned" in order[0]
    assert "newest note" in order[1]
    assert "oldest note" in order[2]


def test_a_note_can_be_pinned_and_unpinned(ana, front_desk, login):
    entry = TimelineEntryFactory(client=ana, body="Prefers mornings")
    browser = login(front_desk)

    browser.post(url(ana, f"notes/{entry.pk}/pin/"), {"pinned": "1"})
    entry.refresh_from_db()
    assert entry.pinned is True

    browser.post(url(ana, f"notes/{entry.pk}/pin/"), {"pinned": "0"})
    entry.refresh_from_db()
    assert entry.pinned is False
    assert AuditEntry.objects.filter(action="client.note_pin").count() == 2


def test_a_change_entry_cannot_be_pinned(ana, front_desk, login):
    entry = TimelineEntryFactory(client=ana, kind=EntryKind.STATUS, data={"from": "lead"})

    response = login(front_desk).post(url(ana, f"notes/{entry.pk}/pin/"))

    assert response.status_code == 404


def test_the_timeline_is_paged_50_at_a_time(ana, front_desk, login):
    TimelineEntryFactory.create_batch(60, client=ana)
    browser = login(front_desk)

    first = browser.get(url(ana)).content.decode()
    second = browser.get(url(ana), {"tpage": 2}).content.decode()

    assert len(timeline_texts(first)) == 50
    assert len(timeline_texts(second)) == 10
    assert "?tpage=2#timeline" in first


# --- Status and stage ---------------------------------------------------------------------------


def test_a_status_change_is_kept_on_the_timeline_with_who_made_it(ana, manager, login):
    response = login(manager).post(url(ana, "status/"), {"status": "active"}, follow=True)

    ana.refresh_from_db()
    assert ana.status == Status.ACTIVE
    body = response.content.decode()
    assert "Status is now Active." in body
    first = timeline_texts(body)[0]
    assert "Status changed: Lead → Active" in first
    assert "Mia Manager" in first
    assert AuditEntry.objects.filter(action="client.status").exists()


def test_a_status_that_does_not_exist_is_refused(ana, manager, login):
    response = login(manager).post(url(ana, "status/"), {"status": "vip"}, follow=True)

    assert "Choose one of the statuses." in response.content.decode()
    ana.refresh_from_db()
    assert ana.status == Status.LEAD


def test_marking_a_lead_lost_needs_a_reason(ana, front_desk, login):
    browser = login(front_desk)

    refused = browser.post(url(ana, "stage/"), {"stage": "lost"}, follow=True)
    ana.refresh_from_db()
    assert ana.lead_stage == "new"
    assert "Say why the lead was lost." in refused.content.decode()

    browser.post(url(ana, "stage/"), {"stage": "lost", "lost_reason": "Too far away"})
    ana.refresh_from_db()
    assert (ana.lead_stage, ana.lost_reason) == ("lost", "Too far away")
    body = browser.get(url(ana)).content.decode()
    assert "Lead stage: New → Lost" in body
    assert "Reason: Too far away" in body


# --- Archive -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager", "front_desk"])
def test_archiving_hides_a_client_from_the_list_and_keeps_the_record_reachable(
    role, ana, request, login
):
    browser = login(request.getfixturevalue(role))

    browser.post(url(ana, "archive/"))

    assert f'href="/clients/{ana.pk}/"' not in browser.get("/clients/").content.decode()
    record = browser.get(url(ana))
    assert record.status_code == 200
    assert 'data-testid="archived-banner"' in record.content.decode()
    assert "Archived." in timeline_texts(record.content.decode())[0]
    assert AuditEntry.objects.filter(action="client.archive").exists()


def test_a_restored_client_is_back_in_the_list(ana, front_desk, login):
    browser = login(front_desk)
    browser.post(url(ana, "archive/"))

    response = browser.post(url(ana, "restore/"), follow=True)

    assert "Ana Silva restored." in response.content.decode()
    assert f'href="/clients/{ana.pk}/"' in browser.get("/clients/").content.decode()


def test_archiving_keeps_the_history(ana, front_desk, login):
    TimelineEntryFactory(client=ana, body="Kept forever")
    browser = login(front_desk)

    browser.post(url(ana, "archive/"))

    assert "Kept forever" in browser.get(url(ana)).content.decode()


def test_a_trainer_sees_no_archive_or_merge_controls(ana, trainer, trainer_profile, login):
    AssignmentFactory(client=ana, trainer=trainer_profile)

    body = login(trainer).get(url(ana)).content.decode()

    assert "/archive/" not in body
    assert "/merge/" not in body


def test_the_record_takes_as_many_queries_with_many_entries_and_tasks_as_with_few(
    ana, front_desk, login
):
    browser = login(front_desk)
    TimelineEntryFactory.create_batch(3, client=ana)
    FollowUpTaskFactory.create_batch(2, client=ana, assigned_to=front_desk)
    AssignmentFactory(client=ana)
    browser.get(url(ana))
    with CaptureQueriesContext(connection) as few:
        browser.get(url(ana))
    TimelineEntryFactory.create_batch(40, client=ana)
    FollowUpTaskFactory.create_batch(20, client=ana, assigned_to=front_desk)
    AssignmentFactory(client=ana, is_primary=False)
    AssignmentFactory(client=ana, is_primary=False)
    with CaptureQueriesContext(connection) as many:
        browser.get(url(ana))

    assert len(many) == len(few)
