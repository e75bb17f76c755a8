"""Factories for the dashboard and trainer-page tests: clients, trainers and their history."""

from datetime import timedelta

import factory
from django.utils import timezone

from fitnesscrm.clients.models import (
    Assignment,
    Client,
    EntryKind,
    FollowUpTask,
    LeadStage,
    Source,
    Status,
    TimelineEntry,
)
from fitnesscrm.core.roles import Role
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers.models import Certification, Specialization, Trainer
from tests.factories import UserFactory


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"member{n}@example.test")
    source = Source.WEBSITE
    status = Status.ACTIVE


class LeadFactory(ClientFactory):
    status = Status.LEAD
    lead_stage = LeadStage.NEW


class SpecializationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Speciality {n}")


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.TRAINER)
    bio = "Strength and conditioning."
    hourly_rate_minor = 4500
    currency = "GBP"
    # trainer_create keeps this up to date; the factory does the same so search works.
    search_text = factory.LazyAttribute(lambda o: search_key(o.user.full_name, o.user.email))

    @factory.post_generation
    def specializations(self, create, extracted, **kwargs):
        if create and extracted:
            self.specializations.set([SpecializationFactory(name=name) for name in extracted])


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    client = factory.SubFactory(ClientFactory)
    trainer = factory.SubFactory(TrainerFactory)
    is_primary = True
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    trainer = factory.SubFactory(TrainerFactory)
    name = factory.Sequence(lambda n: f"Certificate {n}")
    issuer = "REPs"
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    client = factory.SubFactory(ClientFactory)
    title = factory.Sequence(lambda n: f"Call back #{n}")
    due_date = factory.LazyFunction(timezone.localdate)
    assigned_to = factory.SubFactory(UserFactory, role=Role.FRONT_DESK)


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    client = factory.SubFactory(ClientFactory)
    kind = EntryKind.NOTE
    body = "Spoke about goals."


def stage_change(client: Client, stage: str, *, days_ago: int = 0, author=None) -> TimelineEntry:
    """Move `client` to `stage` as lead_set_stage would, `days_ago` days back in time."""
    old = client.lead_stage
    client.lead_stage = stage
    if stage == LeadStage.WON:
        client.status = Status.ACTIVE
    client.save()
    entry = TimelineEntryFactory(
        client=client,
        kind=EntryKind.STAGE,
        body="Too expensive" if stage == LeadStage.LOST else "",
        data={"from": old, "to": stage},
        author=author,
    )
    if days_ago:
        moved = timezone.now() - timedelta(days=days_ago)
        TimelineEntry.objects.filter(pk=entry.pk).update(created_at=moved)
    return entry


def created_days_ago(client: Client, days: int) -> Client:
    """Backdate a client's creation (auto_now_add cannot be set at create time)."""
    Client.objects.filter(pk=client.pk).update(created_at=timezone.now() - timedelta(days=days))
    client.refresh_from_db()
    return client
