"""Factories for clients, trainers and assignments, and a small gym to test roles against."""

from dataclasses import dataclass
from datetime import timedelta

import factory
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, Source, Status, Tag
from fitnesscrm.core.roles import Role
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers.models import Certification, Specialization, Trainer
from tests.factories import UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"client{n}@example.test")
    source = Source.WEBSITE
    status = Status.ACTIVE


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
    # What trainer_create keeps up to date, so the factory's trainers can be searched.
    search_text = factory.LazyAttribute(lambda o: search_key(o.user.full_name, o.user.email))


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


@dataclass
class Gym:
    """The records every role is tested against.

    `member` is the client record of the `client_user` fixture, coached by the
    `trainer` fixture (profile `coach`); `other_coach` coaches only `stranger`, and
    the `outsider` fixture has a record of their own, `outsider_record`.
    """

    coach: Trainer
    other_coach: Trainer
    member: Client
    stranger: Client
    outsider_record: Client
    assignment: Assignment


def build_gym(*, trainer, client_user, outsider) -> Gym:
    coach = TrainerFactory(user=trainer)
    other_coach = TrainerFactory(user__full_name="Nora Notassigned")
    member = ClientFactory(
        user=client_user,
        first_name="Cleo",
        last_name="Member",
        email="cleo.member@example.test",
        phone="+447911100001",
        health_notes="Asthma, carries an inhaler.",
        injuries="Left knee ligament, 2023.",
    )
    stranger = ClientFactory(first_name="Sam", last_name="Stranger", health_notes="Diabetic.")
    outsider_record = ClientFactory(user=outsider, first_name="Otto", last_name="Outsider")
    assignment = AssignmentFactory(client=member, trainer=coach, notes="Knee rehab first.")
    AssignmentFactory(client=stranger, trainer=other_coach)
    return Gym(coach, other_coach, member, stranger, outsider_record, assignment)
