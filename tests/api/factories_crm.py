"""Tags, certifications without expiry, and a small gym to test roles against.

Clients, trainers and assignments come from tests/analytics/factories.py.
"""

from dataclasses import dataclass

import factory

from fitnesscrm.clients.models import Assignment, Client, Tag
from fitnesscrm.trainers.models import Trainer
from tests.analytics.factories import (
    AssignmentFactory,
    ClientFactory,
    SpecializationFactory,
    TrainerFactory,
)
from tests.analytics.factories import CertificationFactory as BaseCertificationFactory
from tests.factories import UserFactory

__all__ = [
    "AssignmentFactory",
    "CertificationFactory",
    "ClientFactory",
    "Gym",
    "SpecializationFactory",
    "TagFactory",
    "TrainerFactory",
    "UserFactory",
    "build_gym",
]


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag {n}")


class CertificationFactory(BaseCertificationFactory):
    expires_on = None


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
