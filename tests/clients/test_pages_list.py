"""The client list: search, filters, sorting, pages, htmx, query count and bulk actions."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, Source, Status
from fitnesscrm.core.models import AuditEntry
from tests.factories import AssignmentFactory, ClientFactory, TagFactory, TrainerFactory

LIST_URL = "/clients/"


def names(response) -> list[str]:
    """The client names in the list, in order."""
    return re.findall(
        r'<a class="fw-semibold text-decoration-none" href="/clients/\d+/">([^<]+)</a>',
        response.content.decode(),
    )


@pytest.fixture
def desk(front_desk, login):
    return login(front_desk)


# --- What a row shows -----------------------------------------------------------------


def test_a_row_shows_name_status_email_phone_tags_and_primary_trainer(desk):
    coach = TrainerFactory(user__full_name="Sofía Martínez")
    client = ClientFactory(
        first_name="José",
        last_name="Núñez",
        email="jose@example.test",
        phone="+447700900123",
        status=Status.TRIAL,
        tags=[TagFactory(name="Morning crew")],
    )
    AssignmentFactory(client=client, trainer=coach, is_primary=True)

    body = desk.get(LIST_URL).content.decode()

    assert "José Núñez" in body
    assert 'class="badge fc-status fc-status-trial">Trial</span>' in body
    assert "jose@example.test" in body
    assert "+44 7700 900123" in body
    assert "Morning crew" in body
    assert "Sofía Martínez" in body


def test_archived_clients_are_not_in_the_list(desk):
    ClientFactory(first_name="Present")
    ClientFactory(first_name="Gone", archived_at=timezone.now())

    response = desk.get(LIST_URL)

    assert [n.split()[0] for n in names(response)] == ["Present"]


@pytest.mark.parametrize("role", ["owner", "manager", "front_desk"])
def test_the_desk_can_show_archived_clients_too(role, request, login, db):
    ClientFactory(first_name="Present")
    ClientFactory(first_name="Gone", archived_at=timezone.now())

    body = login(request.getfixturevalue(role)).get(LIST_URL, {"archived": "on"}).content.decode()

    assert "Present" in body and "Gone" in body
    assert "fc-status-archived" in body


def test_a_trainer_has_no_show_archived_switch_and_sees_only_their_clients(
    assigned_client, other_client, trainer, login
):
    Client.objects.filter(pk=other_client.pk).update(archived_at=timezone.now())

    response = login(trainer).get(LIST_URL, {"archived": "on"})

    body = response.content.decode()
    assert 'name="archived"' not in body
    assert names(response) == ["Ada Assigned"]


def test_an_empty_list_invites_to_add_the_first_client(desk):
    assert "No clients yet." in desk.get(LIST_URL).content.decode()


def test_a_search_without_matches_says_so_and_offers_to_clear(desk):
    ClientFactory(first_name="Anna")

    body = desk.get(LIST_URL, {"q": "zzz"}).content.decode()

    assert "No clients match these filters." in body
    assert "Clear the filters" in body


# --- Search -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["jose", "JOSÉ", "núñez", "NUNEZ", "jose nu"])
def test_search_ignores_case_and_accents(query, desk):
    ClientFactory(first_name="José", last_name="Núñez")
    ClientFactory(first_name="Maria", last_name="Lopez")

    assert names(desk.get(LIST_URL, {"q": query})) == ["José Núñez"]


def test_search_finds_a_client_by_email(desk):
    ClientFactory(first_name="Anna", email="anna.b@example.test")
    ClientFactory(first_name="Bert", email="bert@example.test")

    assert [n.split()[0] for n in names(desk.get(LIST_URL, {"q": "ANNA.B@"}))] == ["Anna"]


@pytest.mark.parametrize(
    "query", ["07911 123456", "07911123456", "+44 7911 123456", "123456", "07911 1234"]
)
def test_search_finds_a_client_by_phone_in_local_or_international_format(query, desk, settings):
    settings.PHONE_REGION = "GB"
    ClientFactory(first_name="Phoebe", last_name="Phone", phone="+447911123456")
    ClientFactory(first_name="Other", last_name="Number", phone="+447911654321")

    assert names(desk.get(LIST_URL, {"q": query})) == ["Phoebe Phone"]


# --- Filters -----------------------------------------------------------------------------


def test_the_list_filters_by_status(desk):
    ClientFactory(first_name="Leo", status=Status.LEAD)
    ClientFactory(first_name="Ava", status=Status.ACTIVE)

    response = desk.get(LIST_URL, {"status": "active"})

    assert [n.split()[0] for n in names(response)] == ["Ava"]
    assert '<option value="active" selected>' in response.content.decode()


def test_the_list_filters_by_active_trainer(desk):
    coach = TrainerFactory()
    kept = ClientFactory(first_name="Kept")
    ended = ClientFactory(first_name="Ended")
    ClientFactory(first_name="Nobody")
    AssignmentFactory(client=kept, trainer=coach)
    AssignmentFactory(
        client=ended,
        trainer=coach,
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
    )

    response = desk.get(LIST_URL, {"trainer": coach.pk})

    assert [n.split()[0] for n in names(response)] == ["Kept"]


def test_the_list_filters_by_tag_and_source(desk):
    vip = TagFactory(name="VIP")
    ClientFactory(first_name="Vip", source=Source.REFERRAL, tags=[vip])
    ClientFactory(first_name="Web", source=Source.WEBSITE, tags=[vip])
    ClientFactory(first_name="Plain", source=Source.REFERRAL)

    response = desk.get(LIST_URL, {"tag": vip.pk, "source": "referral"})

    assert [n.split()[0] for n in names(response)] == ["Vip"]


def test_a_filter_value_that_makes_no_sense_is_ignored(desk):
    ClientFactory(first_name="Anna")

    response = desk.get(LIST_URL, {"status": "bogus", "trainer": "x", "per_page": "7"})

    assert response.status_code == 200
    assert len(names(response)) == 1


# --- Sorting and pages ----------------------------------------------------------------------


def test_the_list_is_sorted_by_last_name_by_default_and_can_be_reversed(desk):
    for last in ("Brown", "Adams", "Clark"):
        ClientFactory(first_name="X", last_name=last)

    assert names(desk.get(LIST_URL)) == ["X Adams", "X Brown", "X Clark"]
    assert names(desk.get(LIST_URL, {"sort": "-name"})) == ["X Clark", "X Brown", "X Adams"]


def test_the_list_can_show_the_newest_first(desk):
    for n, last in enumerate(("Old", "Middle", "New")):
        client = ClientFactory(first_name="X", last_name=last)
        Client.objects.filter(pk=client.pk).update(
            created_at=timezone.now() - timezone.timedelta(days=10 - n)
        )

    assert names(desk.get(LIST_URL, {"sort": "-created"})) == ["X New", "X Middle", "X Old"]


def test_the_list_can_be_sorted_by_status(desk):
    ClientFactory(first_name="A", last_name="Trial", status=Status.TRIAL)
    ClientFactory(first_name="B", last_name="Active", status=Status.ACTIVE)
    ClientFactory(first_name="C", last_name="Lead", status=Status.LEAD)

    assert names(desk.get(LIST_URL, {"sort": "status"})) == ["B Active", "C Lead", "A Trial"]


def test_the_list_shows_25_a_page_by_default(desk):
    ClientFactory.create_batch(30)

    response = desk.get(LIST_URL)

    assert len(names(response)) == 25
    assert "30 clients" in response.content.decode()
    assert "Page 1 of 2" in response.content.decode()
    assert '<option value="25" selected>25</option>' in response.content.decode()
    assert '<option value="name" selected>' in response.content.decode()


@pytest.mark.parametrize("per_page", [10, 25, 50, 100])
def test_the_page_size_can_be_chosen(per_page, desk):
    ClientFactory.create_batch(101)

    assert len(names(desk.get(LIST_URL, {"per_page": per_page}))) == per_page


def test_the_page_links_keep_the_search_filters_sort_and_page_size(desk):
    for n in range(12):
        ClientFactory(first_name=f"Lea{n:02}", last_name="Smith", status=Status.LEAD)
    ClientFactory(first_name="Active", last_name="Smith", status=Status.ACTIVE)

    query = {"q": "smith", "status": "lead", "sort": "-name", "per_page": "10"}
    first = desk.get(LIST_URL, query)

    body = first.content.decode()
    assert "12 clients" in body
    assert 'href="?q=smith&amp;status=lead&amp;sort=-name&amp;per_page=10&amp;page=2"' in body

    second = desk.get(LIST_URL, {**query, "page": "2"})

    assert len(names(second)) == 2
    assert "Active Smith" not in second.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(desk):
    ClientFactory.create_batch(12)

    response = desk.get(LIST_URL, {"per_page": 10, "page": "99"})

    assert len(names(response)) == 2


def test_the_export_link_carries_the_current_filters(desk):
    body = desk.get(LIST_URL, {"q": "anna", "status": "lead", "page": "2"}).content.decode()

    assert 'href="/clients/export.csv?q=anna&amp;status=lead"' in body


# --- htmx ---------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results(desk):
    ClientFactory(first_name="Anna")

    response = desk.get(LIST_URL, {"q": "ann"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="client-filters"' not in body
    assert 'data-testid="client-count"' in body
    assert "Anna" in body


def test_the_whole_page_has_the_filters_and_the_results_target(desk):
    body = desk.get(LIST_URL).content.decode()

    assert body.count('id="client-filters"') == 1
    assert 'hx-target="#client-results"' in body
    assert 'id="client-results"' in body


# --- Queries ---------------------------------------------------------------------------------


def _populate(count: int) -> None:
    tags = [TagFactory(name=f"t{n}") for n in range(3)]
    for n in range(count):
        client = ClientFactory(tags=tags[: n % 3 + 1])
        AssignmentFactory(client=client)
        AssignmentFactory(client=client, is_primary=False)


@pytest.mark.parametrize("role", ["owner", "front_desk"])
def test_the_list_takes_as_many_queries_for_30_clients_as_for_3(role, request, login):
    browser = login(request.getfixturevalue(role))
    _populate(3)
    browser.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        small = browser.get(LIST_URL, {"per_page": 50})
    _populate(27)
    with CaptureQueriesContext(connection) as many:
        large = browser.get(LIST_URL, {"per_page": 50})

    assert len(names(small)) == 3
    assert len(names(large)) == 30
    assert len(many) == len(few)


def test_a_trainers_list_takes_as_many_queries_for_30_clients_as_for_3(
    trainer, trainer_profile, login
):
    browser = login(trainer)

    def give(count):
        for _ in range(count):
            AssignmentFactory(trainer=trainer_profile, client__tags=[TagFactory(name="x")])

    give(3)
    browser.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        small = browser.get(LIST_URL, {"per_page": 50, "q": "e"})
    give(27)
    with CaptureQueriesContext(connection) as many:
        large = browser.get(LIST_URL, {"per_page": 50, "q": "e"})

    assert len(names(large)) > len(names(small))
    assert len(many) == len(few)


# --- Bulk actions -------------------------------------------------------------------------------


def test_bulk_tagging_tags_the_selected_clients_and_returns_to_the_same_filters(desk):
    first, second, third = ClientFactory.create_batch(3)

    response = desk.post(
        "/clients/bulk/",
        {"ids": [first.pk, second.pk], "action": "tag", "tag": "Summer promo", "query": "q=a"},
        follow=True,
    )

    assert response.redirect_chain[0][0] == "/clients/?q=a"
    assert "2 clients tagged “Summer promo”." in response.content.decode()
    assert list(first.tags.values_list("name", flat=True)) == ["Summer promo"]
    assert third.tags.count() == 0
    assert AuditEntry.objects.filter(action="client.bulk_tag").exists()


def test_bulk_status_change_moves_each_client_and_keeps_history(desk):
    first, second = ClientFactory.create_batch(2, status=Status.LEAD)

    desk.post(
        "/clients/bulk/", {"ids": [first.pk, second.pk], "action": "status", "status": "active"}
    )

    for client in (first, second):
        client.refresh_from_db()
        assert client.status == Status.ACTIVE
        assert client.timeline.filter(kind="status").exists()


def test_bulk_assign_gives_the_selected_clients_a_trainer(desk):
    coach = TrainerFactory(user__full_name="Kwame Mensah")
    first, second = ClientFactory.create_batch(2)

    response = desk.post(
        "/clients/bulk/",
        {"ids": [first.pk, second.pk], "action": "assign", "trainer": coach.pk},
        follow=True,
    )

    assert "2 clients assigned to Kwame Mensah." in response.content.decode()
    assert Assignment.objects.filter(trainer=coach, end_date__isnull=True).count() == 2


def test_a_trainer_cannot_bulk_assign(assigned_client, trainer, login):
    coach = TrainerFactory()

    response = login(trainer).post(
        "/clients/bulk/",
        {"ids": [assigned_client.pk], "action": "assign", "trainer": coach.pk},
        follow=True,
    )

    assert not Assignment.objects.filter(trainer=coach).exists()
    assert "alert-danger" in response.content.decode()


def test_bulk_actions_of_a_trainer_touch_only_their_own_clients(
    assigned_client, other_client, trainer, login
):
    login(trainer).post(
        "/clients/bulk/",
        {"ids": [assigned_client.pk, other_client.pk], "action": "status", "status": "paused"},
    )
    login(trainer).post(
        "/clients/bulk/",
        {"ids": [assigned_client.pk, other_client.pk], "action": "tag", "tag": "mine"},
    )

    assigned_client.refresh_from_db()
    other_client.refresh_from_db()
    assert assigned_client.status == Status.PAUSED
    assert other_client.status == Status.LEAD
    assert assigned_client.tags.filter(name="mine").exists()
    assert not other_client.tags.exists()


def test_bulk_actions_skip_archived_and_unknown_ids(desk):
    live = ClientFactory()
    archived = ClientFactory(archived_at=timezone.now())

    desk.post(
        "/clients/bulk/",
        {"ids": [live.pk, archived.pk, 987654], "action": "tag", "tag": "seen"},
    )

    assert live.tags.exists()
    assert not archived.tags.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "tag", "tag": "x"}, "Select at least one client."),
        ({"ids": ["1"], "action": ""}, "Choose what to do with the selected clients."),
        ({"ids": ["1"], "action": "assign", "trainer": ""}, "Choose a trainer to assign."),
        ({"ids": ["1"], "action": "tag", "tag": ""}, "Give the tag a name."),
        ({"ids": ["x"], "action": "tag", "tag": "a"}, "Select at least one client."),
    ],
)
def test_a_bulk_action_that_cannot_be_done_says_why(data, message, desk):
    ClientFactory(pk=1)

    response = desk.post("/clients/bulk/", data, follow=True)

    assert message in response.content.decode()


def test_bulk_clients_are_refused_to_clients(client_user, login):
    target = ClientFactory()

    response = login(client_user).post(
        "/clients/bulk/", {"ids": [target.pk], "action": "tag", "tag": "x"}
    )

    assert response.status_code == 403
    assert not target.tags.exists()
