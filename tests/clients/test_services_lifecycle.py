"""Status history and the lead pipeline: every change is kept, converting keeps the past."""

import pytest

from fitnesscrm.clients import services
from fitnesscrm.clients.models import EntryKind, LeadStage, Status, TimelineEntry
from fitnesscrm.core.errors import ApplicationError, Forbidden, NotFound
from fitnesscrm.core.models import AuditEntry
from tests.factories import build_gym


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.fixture
def lead(front_desk):
    return services.client_create(actor=front_desk, first_name="Liam", last_name="Lead")


def changes(client, kind) -> list[tuple]:
    entries = TimelineEntry.objects.filter(client=client, kind=kind).order_by("id")
    return [(e.data["from"], e.data["to"]) for e in entries]


def test_a_new_record_starts_as_a_new_lead_with_a_created_entry(lead, front_desk):
    assert (lead.status, lead.lead_stage) == (Status.LEAD, LeadStage.NEW)
    entry = TimelineEntry.objects.get(client=lead)
    assert (entry.kind, entry.author, entry.data) == (
        EntryKind.SYSTEM,
        front_desk,
        {"status": "lead"},
    )


def test_every_status_change_is_kept_in_order_with_its_author(owner, lead):
    for status in ("trial", "active", "paused", "active", "inactive"):
        services.client_set_status(actor=owner, client=lead, status=status)
    assert changes(lead, EntryKind.STATUS) == [
        ("lead", "trial"),
        ("trial", "active"),
        ("active", "paused"),
        ("paused", "active"),
        ("active", "inactive"),
    ]
    assert set(
        TimelineEntry.objects.filter(client=lead, kind=EntryKind.STATUS).values_list(
            "author", flat=True
        )
    ) == {owner.pk}
    assert AuditEntry.objects.filter(action="client.status").count() == 5


def test_setting_the_same_status_again_records_nothing(owner, lead):
    services.client_set_status(actor=owner, client=lead, status="lead")
    assert changes(lead, EntryKind.STATUS) == []


def test_an_unknown_status_is_refused_at_the_field(owner, lead):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_set_status(actor=owner, client=lead, status="vip")
    assert [e["field"] for e in exc_info.value.errors] == ["status"]


def test_the_status_change_time_moves_with_the_status(owner, lead):
    before = lead.status_changed_at
    updated = services.client_set_status(actor=owner, client=lead, status="trial")
    assert updated.status_changed_at >= before


def test_a_trainer_changes_the_status_of_their_clients_only(trainer, gym):
    services.client_set_status(actor=trainer, client=gym.member, status="paused")
    with pytest.raises(NotFound):
        services.client_set_status(actor=trainer, client=gym.stranger, status="paused")


def test_a_client_cannot_change_statuses(client_user, gym):
    with pytest.raises(Forbidden):
        services.client_set_status(actor=client_user, client=gym.member, status="paused")


# --- Lead pipeline ----------------------------------------------------------------------


def test_a_lead_moves_through_the_pipeline_with_each_step_kept(owner, lead):
    services.lead_set_stage(actor=owner, client=lead, stage="contacted")
    services.lead_set_stage(actor=owner, client=lead, stage="trial_booked")
    assert changes(lead, EntryKind.STAGE) == [("new", "contacted"), ("contacted", "trial_booked")]


def test_booking_a_trial_makes_the_lead_a_trial_client(owner, lead):
    client = services.lead_set_stage(actor=owner, client=lead, stage="trial_booked")
    assert client.status == Status.TRIAL
    assert changes(lead, EntryKind.STATUS) == [("lead", "trial")]


def test_a_lost_lead_needs_a_reason(owner, lead):
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as exc_info:
            services.lead_set_stage(actor=owner, client=lead, stage="lost", lost_reason=reason)
        assert [e["field"] for e in exc_info.value.errors] == ["lost_reason"]
    lead.refresh_from_db()
    assert lead.lead_stage == LeadStage.NEW


def test_a_lost_reason_is_kept_on_the_record_and_in_the_history(owner, lead):
    client = services.lead_set_stage(
        actor=owner, client=lead, stage="lost", lost_reason="Moved away"
    )
    assert client.lost_reason == "Moved away"
    entry = TimelineEntry.objects.get(client=lead, kind=EntryKind.STAGE)
    assert entry.body == "Moved away"


def test_a_lost_reason_over_200_characters_is_refused(owner, lead):
    with pytest.raises(ApplicationError):
        services.lead_set_stage(actor=owner, client=lead, stage="lost", lost_reason="x" * 201)


def test_reviving_a_lost_lead_clears_the_reason(owner, lead):
    services.lead_set_stage(actor=owner, client=lead, stage="lost", lost_reason="Price")
    client = services.lead_set_stage(actor=owner, client=lead, stage="contacted")
    assert (client.lead_stage, client.lost_reason) == ("contacted", "")


def test_winning_a_lead_converts_it_to_an_active_client_keeping_its_history(owner, lead):
    services.note_add(actor=owner, client=lead, body="Interested in mornings")
    services.lead_set_stage(actor=owner, client=lead, stage="trial_booked")
    client = services.lead_set_stage(actor=owner, client=lead, stage="won")
    assert (client.status, client.lead_stage) == (Status.ACTIVE, LeadStage.WON)
    assert changes(lead, EntryKind.STATUS) == [("lead", "trial"), ("trial", "active")]
    assert changes(lead, EntryKind.STAGE) == [("new", "trial_booked"), ("trial_booked", "won")]
    assert TimelineEntry.objects.filter(client=lead, body="Interested in mornings").exists()
    assert TimelineEntry.objects.filter(client=lead, kind=EntryKind.SYSTEM).exists()


def test_winning_does_not_reactivate_a_paused_client(owner, lead):
    services.client_set_status(actor=owner, client=lead, status="paused")
    client = services.lead_set_stage(actor=owner, client=lead, stage="won")
    assert client.status == Status.PAUSED


def test_an_unknown_stage_is_refused(owner, lead):
    with pytest.raises(ApplicationError) as exc_info:
        services.lead_set_stage(actor=owner, client=lead, stage="maybe")
    assert [e["field"] for e in exc_info.value.errors] == ["stage"]


def test_a_trainer_cannot_move_a_lead_they_cannot_see(trainer, lead):
    with pytest.raises(NotFound):
        services.lead_set_stage(actor=trainer, client=lead, stage="contacted")
