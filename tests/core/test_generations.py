"""Cached trainer choices follow every committed change to trainers and their accounts.

These tests commit for real (transactional_db), with the configured cache: Redis in
the PostgreSQL run, the process's own memory in the SQLite run.
"""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fitnesscrm.core import generations
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers import selectors, services
from tests.factories import TrainerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.SHARED_CACHE = True
    cache.clear()
    yield
    cache.clear()


def names(user) -> list[str]:
    return [trainer.name for trainer in selectors.trainer_choices(user)]


def test_choices_are_read_once_then_from_the_cache(manager):
    TrainerFactory(user__full_name="Ana Active")

    with CaptureQueriesContext(connection) as first:
        assert names(manager) == ["Ana Active"]
    with CaptureQueriesContext(connection) as second:
        assert names(manager) == ["Ana Active"]

    assert len(first) == 1
    assert len(second) == 0


def test_a_new_trainer_appears_in_the_choices(owner, manager):
    TrainerFactory(user__full_name="Ana Active")
    assert names(manager) == ["Ana Active"]

    coach = UserFactory(role=Role.TRAINER, full_name="Bo New")
    services.trainer_create(actor=owner, user=coach)

    assert names(manager) == ["Ana Active", "Bo New"]


def test_a_renamed_trainer_shows_the_new_name(manager):
    trainer = TrainerFactory(user__full_name="Ana Old")
    assert names(manager) == ["Ana Old"]

    trainer.user.full_name = "Ana New"
    trainer.user.save()

    assert names(manager) == ["Ana New"]


def test_a_deactivated_trainer_leaves_the_choices(owner, manager):
    leaving = TrainerFactory(user__full_name="Leo Leaving")
    TrainerFactory(user__full_name="Sam Staying")
    assert names(manager) == ["Leo Leaving", "Sam Staying"]

    services.staff_set_active(actor=owner, user=leaving.user, active=False)

    assert names(manager) == ["Sam Staying"]


def test_a_rolled_back_change_keeps_the_cached_choices(manager):
    trainer = TrainerFactory(user__full_name="Ana Active")
    assert names(manager) == ["Ana Active"]
    before = generations.current(selectors.GENERATION)

    with pytest.raises(RuntimeError), transaction.atomic():
        trainer.user.full_name = "Never Saved"
        trainer.user.save()
        raise RuntimeError("rolled back")

    assert generations.current(selectors.GENERATION) == before
    assert names(manager) == ["Ana Active"]


def test_many_changes_in_one_transaction_start_one_new_generation(manager):
    with transaction.atomic():
        for n in range(5):
            TrainerFactory(user__full_name=f"Coach {n}")
        pending = connection.run_on_commit
        assert len([c for _s, c, _r in pending if c is generations._replacer("trainers")]) == 1

    assert len(names(manager)) == 5


def test_a_broken_cache_means_reading_the_database_not_an_error(manager):
    TrainerFactory(user__full_name="Ana Active")

    with mock.patch.object(generations.cache, "get", side_effect=ConnectionError("down")):
        assert names(manager) == ["Ana Active"]


def test_without_a_shared_cache_every_call_reads_the_database(manager, settings):
    settings.SHARED_CACHE = False
    TrainerFactory(user__full_name="Ana Active")
    names(manager)

    with CaptureQueriesContext(connection) as again:
        names(manager)

    assert len(again) == 1
