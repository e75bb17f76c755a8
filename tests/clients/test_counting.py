"""Cached list counts: a list never shows a count older than the last committed change.

These tests commit for real (transactional_db): the cache is dropped when a change
commits, and the other tests' writes never do. They run with the configured cache:
Redis in the PostgreSQL run, the process's own memory in the SQLite run.
"""

import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fitnesscrm.clients import counting, services
from fitnesscrm.clients.models import Status
from fitnesscrm.core import generations
from tests.factories import AssignmentFactory, ClientFactory, TagFactory, TrainerFactory

pytestmark = pytest.mark.django_db(transaction=True)

LIST_URL = "/clients/"
API_URL = "/api/v1/clients"


@pytest.fixture(autouse=True)
def count_cache(settings):
    settings.SHARED_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(front_desk, login):
    return login(front_desk)


def shown_count(response) -> int:
    found = re.search(r'data-testid="client-count">([\d,]+) client', response.content.decode())
    assert found, "no count on the page"
    return int(found.group(1).replace(",", ""))


def count_queries(captured) -> int:
    return sum(1 for q in captured.captured_queries if "COUNT(" in q["sql"].upper())


def test_a_second_look_at_the_list_does_not_count_again(desk):
    ClientFactory.create_batch(3)

    with CaptureQueriesContext(connection) as first:
        assert shown_count(desk.get(LIST_URL)) == 3
    with CaptureQueriesContext(connection) as second:
        assert shown_count(desk.get(LIST_URL)) == 3

    assert count_queries(first) == 1
    assert count_queries(second) == 0


def test_the_count_follows_a_client_created_through_the_form(desk):
    ClientFactory.create_batch(2)
    assert shown_count(desk.get(LIST_URL)) == 2

    response = desk.post(
        "/clients/new/",
        {"first_name": "Nora", "last_name": "New", "status": "lead", "source": "walk_in"},
    )
    assert response.status_code == 302

    assert shown_count(desk.get(LIST_URL)) == 3


def test_the_count_follows_archiving_and_restoring(owner, login):
    browser = login(owner)
    _kept, gone = ClientFactory.create_batch(2)
    assert shown_count(browser.get(LIST_URL)) == 2

    services.client_archive(actor=owner, client=gone)
    assert shown_count(browser.get(LIST_URL)) == 1

    services.client_restore(actor=owner, client=gone)
    assert shown_count(browser.get(LIST_URL)) == 2


def test_filtered_counts_follow_status_tag_and_trainer_changes(owner, login):
    browser = login(owner)
    coach = TrainerFactory()
    a, b, c = ClientFactory.create_batch(3, status=Status.LEAD)
    assert shown_count(browser.get(LIST_URL, {"status": "active"})) == 0
    tag = TagFactory(name="Early birds")
    assert shown_count(browser.get(LIST_URL, {"tag": tag.pk})) == 0
    assert shown_count(browser.get(LIST_URL, {"trainer": coach.pk})) == 0

    services.clients_bulk_status(actor=owner, client_ids=[a.pk, b.pk], status=Status.ACTIVE)
    services.clients_bulk_tag(actor=owner, client_ids=[c.pk], tag_name="Early birds")
    services.clients_bulk_assign(actor=owner, client_ids=[a.pk, c.pk], trainer=coach)

    assert shown_count(browser.get(LIST_URL, {"status": "active"})) == 2
    assert shown_count(browser.get(LIST_URL, {"tag": tag.pk})) == 1
    assert shown_count(browser.get(LIST_URL, {"trainer": coach.pk})) == 2


def test_a_trainer_count_follows_the_end_of_an_assignment(trainer, owner, login):
    coach = TrainerFactory(user=trainer)
    mine = AssignmentFactory(trainer=coach)
    AssignmentFactory(trainer=coach)
    browser = login(trainer)
    assert shown_count(browser.get(LIST_URL)) == 2

    services.assignment_end(actor=owner, assignment=mine)

    assert shown_count(browser.get(LIST_URL)) == 1


def test_callers_with_other_scopes_get_their_own_counts(trainer, front_desk, login):
    coach = TrainerFactory(user=trainer)
    AssignmentFactory(trainer=coach)
    ClientFactory.create_batch(4)

    assert shown_count(login(front_desk).get(LIST_URL)) == 5
    assert shown_count(login(trainer).get(LIST_URL)) == 1


def test_the_api_count_follows_an_import(owner, login):
    browser = login(owner)
    ClientFactory()
    assert browser.get(API_URL).json()["count"] == 1

    services.clients_import_create(
        actor=owner,
        rows=[
            (
                2,
                services.client_import_clean(
                    actor=owner, values={"first_name": "Ivy", "last_name": "Import"}
                ),
            ),
            (
                3,
                services.client_import_clean(
                    actor=owner,
                    values={"first_name": "Ian", "last_name": "Import", "tags": ["Moved"]},
                ),
            ),
        ],
        note="Imported.",
    )

    assert browser.get(API_URL).json()["count"] == 3
    assert browser.get(API_URL, {"q": "import"}).json()["count"] == 2


def test_a_rolled_back_change_leaves_the_cached_count_in_place(owner, desk):
    ClientFactory.create_batch(2)
    assert shown_count(desk.get(LIST_URL)) == 2
    generation = generations.current(counting.GENERATION)

    with pytest.raises(RuntimeError), transaction.atomic():
        ClientFactory()
        raise RuntimeError("rolled back")

    assert generations.current(counting.GENERATION) == generation
    assert shown_count(desk.get(LIST_URL)) == 2


def test_a_broken_cache_means_counting_not_an_error(desk):
    ClientFactory.create_batch(2)

    with mock.patch.object(generations.cache, "get", side_effect=ConnectionError("cache down")):
        response = desk.get(LIST_URL)

    assert response.status_code == 200
    assert shown_count(response) == 2


def test_without_a_shared_cache_every_request_counts(desk, settings):
    settings.SHARED_CACHE = False
    ClientFactory()
    desk.get(LIST_URL)

    with CaptureQueriesContext(connection) as again:
        desk.get(LIST_URL)

    assert count_queries(again) == 1


# --- The search and filter form, cached per query string and choices ----------------------


def test_the_filter_form_keeps_each_query_strings_own_selection(desk):
    ClientFactory()

    active = desk.get(LIST_URL, {"status": "active"}).content.decode()
    leads = desk.get(LIST_URL, {"status": "lead", "q": "ann"}).content.decode()
    active_again = desk.get(LIST_URL, {"status": "active"}).content.decode()

    assert '<option value="active" selected>' in active
    assert '<option value="lead" selected>' in leads
    assert 'value="ann"' in leads
    assert '<option value="active" selected>' in active_again
    assert 'value="ann"' not in active_again


def test_a_new_tag_and_a_renamed_trainer_show_in_the_filter_choices(owner, desk):
    coach = TrainerFactory(user__full_name="Ana Old")
    client = ClientFactory()
    before = desk.get(LIST_URL).content.decode()
    assert "Ana Old" in before
    assert "Early birds" not in before

    services.clients_bulk_tag(actor=owner, client_ids=[client.pk], tag_name="Early birds")
    coach.user.full_name = "Ana New"
    coach.user.save()
    after = desk.get(LIST_URL).content.decode()

    assert "Early birds" in after
    assert "Ana New" in after
    assert "Ana Old" not in after
