"""Factories for clients, tags, trainers and assignments (rows written directly, for speed)."""

import factory
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, FollowUpTask, Tag, TimelineEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers.models import Trainer
from tests.factories import UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"client{n}@example.test")
    phone = ""

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class TrainerFactory(factory.django.DjangoModelFactory):
    """A trainer profile; pass `user=` to give an existing account one."""

    class Meta:
        model = Trainer

    user = factory.SubFactory(UserFactory, role=Role.TRAINER)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    client = factory.SubFactory(ClientFactory)
    trainer = factory.SubFactory(TrainerFactory)
    is_primary = True
    start_date = factory.LazyFunction(timezone.localdate)


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    client = factory.SubFactory(ClientFactory)
    kind = "note"
    body = factory.Faker("sentence")


class FollowUpTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    client = factory.SubFactory(ClientFactory)
    title = factory.Faker("sentence", nb_words=4)
    due_date = factory.LazyFunction(timezone.localdate)
    assigned_to = factory.SubFactory(UserFactory, role=Role.FRONT_DESK)
