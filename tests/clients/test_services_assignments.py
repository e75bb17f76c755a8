"""Assignments: one primary trainer, the same pair never active twice, ended ones kept."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.models import Assignment, EntryKind, TimelineEntry
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.models import AuditEntry
from tests.factories import ClientFactory, TrainerFactory, build_gym


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def active(client) -> list[tuple[int, bool]]:
    rows = Assignment.objects.filter(client=client, end_date__isnull=True).order_by("id")
    return [(a.trainer_id, a.is_primary) for a in rows]


def test_the_first_trainer_becomes_the_primary_one(owner, gym):
    client = ClientFactory()
    assignment = services.assignment_create(actor=owner, client=client, trainer=gym.coach)
    assert assignment.is_primary is True


def test_a_second_trainer_is_not_primary_unless_asked(owner, gym):
    services.assignment_create(actor=owner, client=gym.member, trainer=gym.other_coach)
    assert active(gym.member) == [(gym.coach.pk, True), (gym.other_coach.pk, False)]


def test_a_new_primary_trainer_demotes_the_old_one(front_desk, gym):
    services.assignment_create(
        actor=front_desk, client=gym.member, trainer=gym.other_coach, is_primary=True
    )
    assert active(gym.member) == [(gym.coach.pk, False), (gym.other_coach.pk, True)]


def test_the_same_pair_cannot_be_active_twice(owner, gym):
    with pytest.raises(Conflict) as exc_info:
        services.assignment_create(actor=owner, client=gym.member, trainer=gym.coach)
    assert exc_info.value.code == "already_assigned"
    assert Assignment.objects.filter(client=gym.member).count() == 1


def test_the_database_refuses_a_second_active_pair_and_a_second_primary(gym):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            client=gym.member, trainer=gym.coach, start_date=timezone.localdate()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            client=gym.member,
            trainer=gym.other_coach,
            is_primary=True,
            start_date=timezone.localdate(),
        )


def test_ending_keeps_the_assignment_in_history(owner, gym):
    services.assignment_end(actor=owner, assignment=gym.assignment)
    gym.assignment.refresh_from_db()
    assert gym.assignment.end_date == timezone.localdate()
    history = selectors.client_assignments(user=owner, client=gym.member)
    assert list(history) == [gym.assignment]
    assert active(gym.member) == []
    assert TimelineEntry.objects.filter(
        client=gym.member, kind=EntryKind.ASSIGNMENT, data__action="ended"
    ).exists()
    assert AuditEntry.objects.filter(action="assignment.end").exists()


def test_ending_the_primary_promotes_the_longest_standing_other_trainer(owner, gym):
    third = TrainerFactory()
    services.assignment_create(
        actor=owner,
        client=gym.member,
        trainer=third,
        start_date=timezone.localdate() - timedelta(days=5),
    )
    services.assignment_create(
        actor=owner,
        client=gym.member,
        trainer=gym.other_coach,
        start_date=timezone.localdate() - timedelta(days=10),
    )
    services.assignment_end(actor=owner, assignment=gym.assignment)
    assert sorted(active(gym.member)) == sorted([(third.pk, False), (gym.other_coach.pk, True)])


def test_an_ended_pair_may_be_assigned_again(owner, gym):
    services.assignment_end(actor=owner, assignment=gym.assignment)
    again = services.assignment_create(actor=owner, client=gym.member, trainer=gym.coach)
    assert again.pk != gym.assignment.pk and again.is_primary is True
    assert Assignment.objects.filter(client=gym.member, trainer=gym.coach).count() == 2


def test_ending_twice_changes_nothing(owner, gym):
    first = services.assignment_end(actor=owner, assignment=gym.assignment).end_date
    services.assignment_end(
        actor=owner, assignment=gym.assignment, end_date=first + timedelta(days=3)
    )
    gym.assignment.refresh_from_db()
    assert gym.assignment.end_date == first


def test_an_end_before_the_start_is_refused(owner, gym):
    with pytest.raises(ApplicationError) as exc_info:
        services.assignment_end(
            actor=owner,
            assignment=gym.assignment,
            end_date=gym.assignment.start_date - timedelta(days=1),
        )
    assert [e["field"] for e in exc_info.value.errors] == ["end_date"]


def test_an_inactive_trainer_cannot_be_assigned(owner, gym):
    gym.other_coach.is_active = False
    gym.other_coach.save()
    with pytest.raises(ApplicationError, match="not an active trainer"):
        services.assignment_create(actor=owner, client=gym.member, trainer=gym.other_coach)


def test_notes_over_2000_characters_are_refused(owner, gym):
    with pytest.raises(ApplicationError):
        services.assignment_create(
            actor=owner, client=gym.member, trainer=gym.other_coach, notes="n" * 2001
        )


def test_only_the_desk_assigns_and_ends(trainer, client_user, gym):
    for actor in (trainer, client_user):
        with pytest.raises(Forbidden):
            services.assignment_create(actor=actor, client=gym.member, trainer=gym.other_coach)
        with pytest.raises(Forbidden):
            services.assignment_end(actor=actor, assignment=gym.assignment)


def test_a_trainer_who_creates_a_client_is_assigned_as_primary(trainer, gym):
    client = services.client_create(actor=trainer, first_name="Newbie")
    assert active(client) == [(gym.coach.pk, True)]
