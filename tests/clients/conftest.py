"""The small world of the clients tests: the trainer's profile, their client and another one."""

import pytest

from tests.factories import AssignmentFactory, ClientFactory, TrainerFactory


@pytest.fixture
def trainer_profile(trainer):
    """The trainer profile of the `trainer` fixture's account."""
    return TrainerFactory(user=trainer)


@pytest.fixture
def assigned_client(trainer_profile):
    """A client whose primary trainer is the `trainer` fixture."""
    client = ClientFactory(first_name="Ada", last_name="Assigned", email="ada@example.test")
    AssignmentFactory(client=client, trainer=trainer_profile)
    return client


@pytest.fixture
def other_client(db):
    """A client the `trainer` fixture is not assigned to (another trainer is)."""
    client = ClientFactory(first_name="Owen", last_name="Other", email="owen@example.test")
    AssignmentFactory(client=client)
    return client
