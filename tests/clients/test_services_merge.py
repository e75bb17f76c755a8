"""Merging a duplicate into the client who stays: everything moves, nothing is lost."""

import pytest

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.models import Assignment, Client, EntryKind, FollowUpTask, TimelineEntry
from fitnesscrm.core.errors import ApplicationError, Forbidden, NotFound
from fitnesscrm.core.models import AuditEntry
from tests.factories import ClientFactory, TagFactory, TrainerFactory, build_gym


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.fixture
def pair(owner, front_desk):
    """A survivor with gaps and a duplicate that can fill them."""
    survivor = ClientFactory(first_name="Dana", last_name="Smith", email="", phone="", goals="")
    duplicate = ClientFactory(
        first_name="Dana",
        last_name="Smyth",
        email="dana@example.test",
        phone="+447911123456",
        goals="Lose 5 kg",
        city="Leeds",
    )
    survivor.city = "York"
    survivor.save()
    survivor.tags.add(TagFactory(name="VIP"))
    duplicate.tags.add(TagFactory(name="Morning"), survivor.tags.get())
    services.note_add(actor=owner, client=duplicate, body="Called about the trial")
    services.task_create(
        actor=owner,
        client=duplicate,
        title="Call back",
        due_date=duplicate.created_at.date(),
        assigned_to=front_desk,
    )
    return survivor, duplicate


def test_blank_fields_are_filled_from_the_duplicate_and_filled_ones_kept(owner, pair):
    survivor, duplicate = pair
    merged = services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    assert (merged.email, merged.phone, merged.goals) == (
        "dana@example.test",
        "+447911123456",
        "Lose 5 kg",
    )
    assert (merged.city, merged.last_name) == ("York", "Smith")


def test_notes_tasks_and_history_move_to_the_survivor(owner, pair):
    survivor, duplicate = pair
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    assert TimelineEntry.objects.filter(client=survivor, body="Called about the trial").exists()
    assert FollowUpTask.objects.filter(client=survivor, title="Call back").exists()
    assert not TimelineEntry.objects.filter(client=duplicate).exists()
    merge_entry = TimelineEntry.objects.get(client=survivor, kind=EntryKind.MERGE)
    assert merge_entry.data["duplicate_id"] == duplicate.pk


def test_tags_are_united(owner, pair):
    survivor, duplicate = pair
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["Morning", "VIP"]


def test_the_duplicate_is_archived_pointing_at_the_survivor_and_freed_its_email(owner, pair):
    survivor, duplicate = pair
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    duplicate.refresh_from_db()
    assert duplicate.archived_at is not None
    assert duplicate.merged_into == survivor
    assert duplicate.email == ""
    assert duplicate not in selectors.client_list(user=owner)
    assert Client.objects.filter(email="dana@example.test").get() == survivor


def test_the_merge_is_audited_without_health_values(owner, pair):
    survivor, duplicate = pair
    duplicate.injuries = "Broken wrist"
    duplicate.save()
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    entry = AuditEntry.objects.get(action="client.merge")
    assert entry.object_id == str(survivor.pk)
    assert entry.changes["merged_from"] == duplicate.pk
    assert "injuries" not in entry.changes["filled"]
    assert "Broken wrist" not in str(entry.changes)
    survivor.refresh_from_db()
    assert survivor.injuries == "Broken wrist"


def test_trainers_move_and_the_survivor_keeps_one_primary(owner, gym):
    survivor, duplicate = gym.member, gym.stranger
    shared = TrainerFactory()
    Assignment.objects.create(client=survivor, trainer=shared, start_date=gym.assignment.start_date)
    Assignment.objects.create(
        client=duplicate, trainer=shared, start_date=gym.assignment.start_date
    )
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    current = Assignment.objects.filter(client=survivor, end_date__isnull=True)
    assert sorted(a.trainer_id for a in current) == sorted(
        [gym.coach.pk, gym.other_coach.pk, shared.pk]
    )
    assert [a.trainer_id for a in current if a.is_primary] == [gym.coach.pk]
    # The duplicate's second assignment of `shared` is ended, kept as history.
    assert Assignment.objects.filter(client=survivor, trainer=shared).count() == 2
    assert not Assignment.objects.filter(client=duplicate).exists()


def test_other_apps_move_their_rows_through_merge_hooks(owner, pair, monkeypatch):
    survivor, duplicate = pair
    calls = []
    monkeypatch.setattr(
        services,
        "MERGE_HOOKS",
        [lambda **kw: calls.append((kw["duplicate"].pk, kw["survivor"].pk))],
    )
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    assert calls == [(duplicate.pk, survivor.pk)]


def test_a_client_cannot_be_merged_into_itself(owner, pair):
    survivor, _ = pair
    with pytest.raises(ApplicationError) as exc_info:
        services.client_merge(actor=owner, survivor=survivor, duplicate=survivor)
    assert exc_info.value.code == "same_client"


def test_a_duplicate_cannot_be_merged_twice_or_restored(owner, pair):
    survivor, duplicate = pair
    services.client_merge(actor=owner, survivor=survivor, duplicate=duplicate)
    other = ClientFactory()
    with pytest.raises(ApplicationError) as exc_info:
        services.client_merge(actor=owner, survivor=other, duplicate=duplicate)
    assert exc_info.value.code == "merged"
    with pytest.raises(ApplicationError):
        services.client_merge(actor=owner, survivor=duplicate, duplicate=other)
    with pytest.raises(ApplicationError):
        services.client_restore(actor=owner, client=duplicate)


def test_trainers_and_clients_cannot_merge(trainer, client_user, gym):
    for actor in (trainer, client_user):
        with pytest.raises(Forbidden):
            services.client_merge(actor=actor, survivor=gym.member, duplicate=gym.stranger)
    assert Client.objects.get(pk=gym.stranger.pk).merged_into is None


def test_a_merge_with_a_record_that_does_not_exist_is_not_found(owner, gym):
    ghost = Client(pk=987654, first_name="Ghost")
    with pytest.raises(NotFound):
        services.client_merge(actor=owner, survivor=gym.member, duplicate=ghost)
