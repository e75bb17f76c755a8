"""`fitnesscrm seed` adds volume for load tests; far pages of the list stay correct and cheap."""

import io

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.core.validators import validate_email
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fitnesscrm.clients import selectors
from fitnesscrm.clients.models import Assignment, Client, Status
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers.models import Trainer
from tests.factories import TrainerFactory


def seed(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_seed_creates_the_clients_asked_for_with_valid_unique_details(db):
    out, _err = seed("--clients", "120", "--trainers", "3", "--batch", "50")

    clients = list(Client.objects.all())
    assert len(clients) == 120
    assert "Seeded 120 clients and 3 trainers" in out
    assert len({c.email for c in clients}) == 120
    for client in clients:
        validate_email(client.email)
        number = phonenumbers.parse(client.phone)
        assert phonenumbers.is_valid_number(number), client.phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == (
            client.phone
        )
        assert client.status in Status.values
        # What Client.save() stores; bulk inserts do not call it.
        assert client.search_text == search_key(
            client.first_name, client.last_name, client.email, client.phone, client.phone[1:]
        )
    assert {c.status for c in clients} >= {Status.ACTIVE, Status.LEAD}


def test_seeded_clients_get_trainers_and_tags(db):
    seed("--clients", "200", "--trainers", "4")

    trainers = Trainer.objects.filter(is_active=True)
    assert trainers.count() == 4
    assignments = Assignment.objects.filter(end_date__isnull=True)
    assert assignments.exists()
    assert set(assignments.values_list("trainer", flat=True)) <= set(
        trainers.values_list("pk", flat=True)
    )
    assert not assignments.filter(client__status=Status.LEAD).exists()
    per_client = assignments.values_list("client", flat=True)
    assert len(per_client) == len(set(per_client))  # one primary trainer each
    assert Client.objects.filter(tags__isnull=False).exists()
    trainer = trainers.first()
    assert selectors.visible_clients(trainer.user).count() == trainer.assignments.count()


def test_seed_without_new_trainers_shares_the_clients_among_the_existing_ones(db):
    existing = TrainerFactory()

    seed("--clients", "40")

    assert Trainer.objects.count() == 1
    assert Assignment.objects.filter(trainer=existing).exists()


def test_seed_shows_its_progress_on_stderr(db):
    _out, err = seed("--clients", "30", "--batch", "10")

    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert "10/30" in lines[0]
    assert "30/30 100%" in lines[-1]


def test_seeding_twice_adds_more_clients_without_email_clashes(db):
    seed("--clients", "25", "--trainers", "1")
    seed("--clients", "25", "--trainers", "1")

    assert Client.objects.count() == 50
    assert Client.objects.values("email").distinct().count() == 50
    assert Trainer.objects.count() == 2


def test_seeded_names_with_accents_are_found_without_them(owner, db):
    seed("--clients", "300")
    accented = next(c for c in Client.objects.all() if not c.last_name.isascii())

    found = selectors.client_list(user=owner, q=search_key(accented.last_name).upper())

    assert accented in found


@pytest.mark.parametrize("args", [["--clients", "-1"], ["--clients", "5", "--batch", "0"]])
def test_seed_refuses_impossible_numbers(db, args):
    with pytest.raises(CommandError):
        seed(*args)


# --- Far pages of the list (the deferred join in selectors.client_list) ----------------------


@pytest.fixture
def many_clients(db):
    seed("--clients", "90", "--trainers", "2", "--batch", "90")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"sort": "-name"},
        {"sort": "-created"},
        {"sort": "status", "status": Status.ACTIVE},
        {"q": "son"},
        {"q": "an", "sort": "-created"},
    ],
)
def test_far_pages_show_the_same_clients_as_reading_the_list_through(
    owner, many_clients, monkeypatch, filters
):
    monkeypatch.setattr(selectors, "DEFERRED_JOIN_OFFSET", 10)
    listing = selectors.client_list(user=owner, **filters)
    everyone = [c.pk for c in listing]

    for start in (0, 10, 25, 40):
        page = listing[start : start + 15]
        assert [c.pk for c in page] == everyone[start : start + 15]


def test_a_far_page_takes_as_many_queries_as_the_first(owner, many_clients, monkeypatch):
    monkeypatch.setattr(selectors, "DEFERRED_JOIN_OFFSET", 10)
    listing = selectors.client_list(user=owner)

    with CaptureQueriesContext(connection) as first:
        [c.active_assignments for c in listing[0:20]]
    with CaptureQueriesContext(connection) as far:
        rows = [c.active_assignments for c in listing[60:80]]

    assert len(rows) == 20
    assert len(far.captured_queries) == len(first.captured_queries)


def test_a_trainer_far_into_their_list_still_sees_only_their_clients(db, monkeypatch):
    seed("--clients", "120", "--trainers", "2", "--batch", "120")
    monkeypatch.setattr(selectors, "DEFERRED_JOIN_OFFSET", 5)
    trainer = Trainer.objects.first()
    mine = set(trainer.assignments.values_list("client", flat=True))

    listing = selectors.client_list(user=trainer.user)
    page = listing[5:200]

    assert {c.pk for c in page} <= mine
    assert len(page) == len(mine) - 5
