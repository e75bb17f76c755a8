"""The audit log page: who may read it, its filters, pages, htmx fragment and query count."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.models import AuditEntry
from tests.factories import UserFactory

AUDIT_URL = "/audit/"


@pytest.fixture
def audit_reader(manager, login):
    """A manager's client whose own sign-in entry is cleared, so a test counts only its rows."""
    client = login(manager)
    AuditEntry.objects.all().delete()
    return client


def entry(*, action: str = "client.update", actor=None, label: str = "", day: str = ""):
    """One audit entry; `day` (YYYY-MM-DD) moves it to noon UTC on that date."""
    created = audit_record(
        actor=actor, action=action, object_type="clients.client", object_label=label
    )
    if day:
        noon = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)
        AuditEntry.objects.filter(pk=created.pk).update(created_at=noon)
    return created


def rows(response) -> int:
    """How many entries the page shows."""
    return len(re.findall(r"<td><code>", response.content.decode()))


# --- Who may read it ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_owners_and_managers_can_read_the_audit_log(who, request, login):
    user = request.getfixturevalue(who)

    response = login(user).get(AUDIT_URL)

    assert response.status_code == 200
    assert '<h1 class="h3">Audit log</h1>' in response.content.decode()


@pytest.mark.parametrize("who", ["trainer", "front_desk", "client_user", "outsider"])
def test_other_roles_are_refused_the_audit_log(who, request, login, manager):
    user = request.getfixturevalue(who)
    entry(actor=manager, label="Private client name")

    response = login(user).get(AUDIT_URL)

    assert response.status_code == 403
    assert "Private client name" not in response.content.decode()
    assert AuditEntry.objects.filter(action="access.denied", actor=user).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_audit_log(db):
    response = Client().get(AUDIT_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next={AUDIT_URL}"


def test_each_entry_shows_who_did_what_to_which_object_from_where(audit_reader, trainer):
    audit_record(
        actor=trainer,
        action="client.update",
        object_type="clients.client",
        object_id="42",
        object_label="Cleo Client",
        changes={"phone": ["old", "new"]},
        ip="198.51.100.23",
    )

    body = audit_reader.get(AUDIT_URL).content.decode()

    assert trainer.email in body
    assert "<code>client.update</code>" in body
    assert "clients.client #42" in body
    assert "Cleo Client" in body
    assert "<strong>phone</strong>" in body
    assert "198.51.100.23" in body


def test_times_are_shown_in_the_business_time_zone_and_say_which_it_is(audit_reader, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    entry(label="winter", day="2026-01-10")  # noon UTC is 13:00 in Berlin in January

    body = audit_reader.get(AUDIT_URL).content.decode()

    assert "Time (Europe/Berlin)" in body
    assert "2026-01-10 13:00:00" in body


def test_the_newest_entry_comes_first(audit_reader):
    entry(label="older", day="2026-01-10")
    entry(label="newer", day="2026-01-11")

    body = audit_reader.get(AUDIT_URL).content.decode()

    assert body.index("newer") < body.index("older")


# --- Filters ------------------------------------------------------------------------------


def test_the_log_can_be_filtered_by_action(audit_reader, trainer):
    entry(action="client.update", actor=trainer, label="the update")
    entry(action="client.delete", actor=trainer, label="the deletion")

    response = audit_reader.get(AUDIT_URL, {"action": "client.delete"})

    body = response.content.decode()
    assert "the deletion" in body
    assert "the update" not in body
    assert '<option value="client.delete" selected>' in body


def test_the_log_can_be_filtered_by_part_of_the_actor_email_in_any_case(
    audit_reader, trainer, front_desk
):
    entry(actor=trainer, label="by the trainer")
    entry(actor=front_desk, label="by the desk")

    response = audit_reader.get(AUDIT_URL, {"actor": "TRAINER@"})

    body = response.content.decode()
    assert "by the trainer" in body
    assert "by the desk" not in body


def test_the_log_can_be_filtered_by_a_date_range_that_includes_both_ends(audit_reader):
    entry(label="on-jan-09", day="2026-01-09")
    entry(label="on-jan-10", day="2026-01-10")
    entry(label="on-jan-15", day="2026-01-15")
    entry(label="on-jan-20", day="2026-01-20")
    entry(label="on-jan-21", day="2026-01-21")

    response = audit_reader.get(AUDIT_URL, {"date_from": "2026-01-10", "date_to": "2026-01-20"})

    body = response.content.decode()
    assert [day for day in ("09", "10", "15", "20", "21") if f"on-jan-{day}" in body] == [
        "10",
        "15",
        "20",
    ]


def test_filters_combine(audit_reader, trainer, front_desk):
    entry(action="client.update", actor=trainer, label="match", day="2026-02-02")
    entry(action="client.delete", actor=trainer, label="wrong-action", day="2026-02-02")
    entry(action="client.update", actor=front_desk, label="wrong-actor", day="2026-02-02")
    entry(action="client.update", actor=trainer, label="wrong-day", day="2026-03-03")

    response = audit_reader.get(
        AUDIT_URL,
        {
            "action": "client.update",
            "actor": "trainer",
            "date_from": "2026-02-01",
            "date_to": "2026-02-28",
        },
    )

    body = response.content.decode()
    assert "match" in body
    assert "wrong-" not in body
    assert rows(response) == 1


def test_an_end_date_before_the_start_date_is_shown_at_the_field(audit_reader):
    response = audit_reader.get(AUDIT_URL, {"date_from": "2026-02-10", "date_to": "2026-02-01"})

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_date_to_error"' in body
    assert "The end date is before the start date." in body


def test_an_htmx_filter_with_an_end_date_before_the_start_date_shows_the_message_at_the_field(
    audit_reader,
):
    response = audit_reader.get(
        AUDIT_URL,
        {"date_from": "2026-02-10", "date_to": "2026-02-01"},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert "<html" not in body
    # The form is swapped in out of band, so the message appears at its field.
    assert 'id="audit-filters"' in body
    assert 'hx-swap-oob="true"' in body
    assert 'id="id_date_to_error"' in body
    assert "The end date is before the start date." in body


def test_a_filter_with_no_matches_says_so(audit_reader):
    entry(label="something")

    response = audit_reader.get(AUDIT_URL, {"actor": "nobody-like-this"})

    assert "No entries match these filters." in response.content.decode()
    assert rows(response) == 0


# --- Pages, htmx and queries ------------------------------------------------------------------


def test_the_log_shows_fifty_entries_a_page_and_keeps_the_filters_across_pages(audit_reader):
    for n in range(60):
        entry(label=f"entry {n}")
    entry(action="client.delete", label="another action")

    first = audit_reader.get(AUDIT_URL, {"action": "client.update"})

    body = first.content.decode()
    assert rows(first) == 50
    assert "60 entries" in body
    assert "Page 1 of 2" in body
    assert 'href="?action=client.update&amp;page=2"' in body

    second = audit_reader.get(AUDIT_URL, {"action": "client.update", "page": "2"})

    assert rows(second) == 10
    assert "Page 2 of 2" in second.content.decode()
    assert "another action" not in second.content.decode()


def test_a_page_number_that_is_not_a_number_shows_the_first_page(audit_reader):
    for n in range(3):
        entry(label=f"entry {n}")

    response = audit_reader.get(AUDIT_URL, {"page": "nonsense"})

    assert response.status_code == 200
    assert rows(response) == 3


def test_an_htmx_request_gets_only_the_results(audit_reader):
    entry(label="in the fragment")

    response = audit_reader.get(AUDIT_URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "<nav" not in body
    assert 'data-testid="audit-count"' in body
    assert "in the fragment" in body
    # The filter form comes along (out of band), clearing any message shown before.
    assert body.count('id="audit-filters"') == 1
    assert "invalid-feedback" not in body


def test_the_whole_page_has_the_filter_form_once(audit_reader):
    body = audit_reader.get(AUDIT_URL).content.decode()

    assert body.count('id="audit-filters"') == 1
    assert "hx-swap-oob" not in body


def test_a_boosted_htmx_request_gets_the_whole_page(audit_reader):
    response = audit_reader.get(AUDIT_URL, headers={"HX-Request": "true", "HX-Boosted": "true"})

    assert "<html" in response.content.decode()


def test_the_page_takes_as_many_queries_for_60_entries_as_for_5(audit_reader):
    def make(count: int) -> None:
        for _ in range(count):
            entry(actor=UserFactory(), label="x")

    make(5)
    audit_reader.get(AUDIT_URL)  # a first visit may touch the session; measure later ones
    with CaptureQueriesContext(connection) as few:
        small = audit_reader.get(AUDIT_URL)
    make(55)
    with CaptureQueriesContext(connection) as many:
        large = audit_reader.get(AUDIT_URL)

    assert rows(small) == 5
    assert rows(large) == 50
    assert len(many) == len(few)
