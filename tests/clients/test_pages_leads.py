"""The lead board: columns per stage, cards, moving a lead, lost reasons, winning."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.clients.models import Client, EntryKind, LeadStage, Status
from fitnesscrm.core.models import AuditEntry
from tests.factories import AssignmentFactory, ClientFactory, FollowUpTaskFactory

BOARD = "/leads/"
STAGES = ["new", "contacted", "trial_booked", "won", "lost"]


def column(body: str, stage: str) -> str:
    """The HTML of one column of the board."""
    return body.split(f'data-testid="column-{stage}"')[1].split("</section>")[0]


def lead(**fields) -> Client:
    return ClientFactory(status=Status.LEAD, **fields)


def move(browser, client, stage: str, reason: str = "", *, follow: bool = False):
    return browser.post(
        f"/clients/{client.pk}/stage/",
        {"stage": stage, "lost_reason": reason, "next": BOARD},
        follow=follow,
    )


@pytest.fixture
def desk(front_desk, login):
    return login(front_desk)


def test_the_board_has_a_column_per_stage_with_each_lead_in_its_column(desk):
    for stage in [*STAGES[:3], "lost"]:
        lead(first_name=stage.replace("_", ""), last_name="Lead", lead_stage=stage)

    body = desk.get(BOARD).content.decode()

    for title in ("New", "Contacted", "Trial booked", "Won", "Lost"):
        assert f">{title}</h2>" in body
    assert "newLead" not in body  # sanity: names are separate words
    assert "new Lead" in column(body, "new")
    assert "contacted Lead" in column(body, "contacted")
    assert "trialbooked Lead" in column(body, "trial_booked")
    assert "lost Lead" in column(body, "lost")
    assert "No leads here." in column(body, "won")


def test_a_card_shows_source_age_and_the_next_task(desk, front_desk):
    card_lead = lead(first_name="Ana", source="referral")
    Client.objects.filter(pk=card_lead.pk).update(created_at=timezone.now() - timedelta(days=3))
    FollowUpTaskFactory(
        client=card_lead, title="Later", due_date=timezone.localdate() + timedelta(days=5)
    )
    FollowUpTaskFactory(
        client=card_lead, title="Call back", due_date=timezone.localdate() - timedelta(days=1)
    )
    FollowUpTaskFactory(client=card_lead, title="Done already", done_at=timezone.now())

    card = column(desk.get(BOARD).content.decode(), "new").replace("\xa0", " ")

    assert "Referral · 3 days old" in card
    assert "Next: Call back · overdue" in card
    assert "Later" not in card and "Done already" not in card


def test_clients_who_never_were_leads_are_not_on_the_board(desk):
    ClientFactory(first_name="Member", status=Status.ACTIVE)
    ClientFactory(first_name="Paused", status=Status.PAUSED)

    body = desk.get(BOARD).content.decode()

    assert "Member" not in body and "Paused" not in body


def test_a_trainer_sees_only_the_leads_assigned_to_them(trainer, trainer_profile, login):
    mine = lead(first_name="Mine")
    AssignmentFactory(client=mine, trainer=trainer_profile)
    lead(first_name="Someone")

    body = login(trainer).get(BOARD).content.decode()

    assert "Mine" in body and "Someone" not in body


def test_moving_a_card_changes_the_stage_and_returns_to_the_board(desk):
    card_lead = lead(first_name="Ana")

    response = move(desk, card_lead, "contacted", follow=True)

    assert response.redirect_chain[0][0] == BOARD
    assert "Ana" in column(response.content.decode(), "contacted")
    card_lead.refresh_from_db()
    assert card_lead.lead_stage == LeadStage.CONTACTED
    assert AuditEntry.objects.filter(action="lead.stage").exists()


def test_a_booked_trial_makes_a_trial_client_that_stays_on_the_board(desk):
    card_lead = lead(first_name="Ana")

    response = move(desk, card_lead, "trial_booked", follow=True)

    card_lead.refresh_from_db()
    assert card_lead.status == Status.TRIAL
    assert "Ana" in column(response.content.decode(), "trial_booked")


def test_winning_a_lead_makes_an_active_client_and_keeps_its_history(desk):
    card_lead = lead(first_name="Ana")
    desk.post(f"/clients/{card_lead.pk}/notes/", {"kind": "call", "body": "First call"})
    move(desk, card_lead, "contacted")
    move(desk, card_lead, "trial_booked")

    response = move(desk, card_lead, "won", follow=True)

    card_lead.refresh_from_db()
    assert (card_lead.status, card_lead.lead_stage) == (Status.ACTIVE, LeadStage.WON)
    body = response.content.decode()
    assert "Ana" in column(body, "won")
    assert "moved to Won and is now an active client." in body
    kinds = list(card_lead.timeline.order_by("created_at", "id").values_list("kind", "data"))
    assert (EntryKind.CALL, {}) in kinds
    stages = [d["to"] for k, d in kinds if k == EntryKind.STAGE]
    statuses = [d["to"] for k, d in kinds if k == EntryKind.STATUS]
    assert stages == ["contacted", "trial_booked", "won"]
    assert statuses == ["trial", "active"]
    record = desk.get(f"/clients/{card_lead.pk}/").content.decode()
    assert "First call" in record
    assert "Lead stage: New → Contacted" in record


def test_losing_a_lead_asks_for_a_reason(desk):
    card_lead = lead(first_name="Ana")

    refused = move(desk, card_lead, "lost", follow=True)

    card_lead.refresh_from_db()
    assert card_lead.lead_stage == LeadStage.NEW
    assert f"{card_lead.full_name}: Say why the lead was lost." in refused.content.decode()

    response = move(desk, card_lead, "lost", "Chose a gym closer to work", follow=True)

    lost = column(response.content.decode(), "lost")
    assert "Ana" in lost and "Lost: Chose a gym closer to work" in lost


def test_the_board_has_the_form_that_asks_why_a_lead_was_lost(desk):
    lead(first_name="Ana")

    body = desk.get(BOARD).content.decode()

    assert 'id="lost-modal"' in body
    assert 'name="lost_reason"' in body and "required" in body


def test_a_stage_that_does_not_exist_is_refused(desk):
    card_lead = lead(first_name="Ana")

    response = move(desk, card_lead, "maybe", follow=True)

    assert "Select a valid choice." in response.content.decode()
    card_lead.refresh_from_db()
    assert card_lead.lead_stage == LeadStage.NEW


def test_a_move_never_sends_the_browser_to_another_site(desk):
    card_lead = lead()

    response = desk.post(
        f"/clients/{card_lead.pk}/stage/",
        {"stage": "contacted", "next": "https://evil.example/"},
    )

    assert response["Location"] == f"/clients/{card_lead.pk}/"


def test_the_board_takes_as_many_queries_for_50_leads_as_for_5(desk, front_desk):
    def make(count):
        for n in range(count):
            card_lead = lead(lead_stage=STAGES[n % 5] if STAGES[n % 5] != "won" else "new")
            FollowUpTaskFactory(client=card_lead, assigned_to=front_desk)

    make(5)
    desk.get(BOARD)
    with CaptureQueriesContext(connection) as few:
        desk.get(BOARD)
    make(45)
    with CaptureQueriesContext(connection) as many:
        desk.get(BOARD)

    assert len(many) == len(few)
