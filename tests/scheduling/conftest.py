"""The small world of the scheduling tests: the gym of build_gym, a studio with a room, a class."""

import pytest

from tests.factories import ClassTypeFactory, RoomFactory, build_gym


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.fixture
def room(db):
    return RoomFactory(name="Studio A", capacity=20, location__name="Main studio")


@pytest.fixture
def spin(db):
    return ClassTypeFactory(name="Spin", duration_minutes=45, capacity=12)
