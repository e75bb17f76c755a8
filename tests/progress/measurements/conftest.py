import pytest

from tests.factories import build_gym


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.fixture
def other_trainer(gym):
    """A trainer who coaches someone else (`stranger`), not the member."""
    return gym.other_coach.user
