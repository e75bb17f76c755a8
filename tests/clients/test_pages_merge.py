"""Merging a duplicate into a record: search, side-by-side preview, confirm, audit."""

import pytest
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.core.models import AuditEntry
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    FollowUpTaskFactory,
    TimelineEntryFactory,
)


@pytest.fixture
def pair(db):
    """The record to keep and its duplicate, each with a little history."""
    survivor = ClientFactory(
        first_name="Ana", last_name="Silva", email="ana@example.test", phone="", city=""
    )
    duplicate = ClientFactory(
        first_name="Ana",
        last_name="Silva",
        email="ana.silva@example.test",
        phone="+447911123456",
        city="Porto",
    )
    TimelineEntryFactory(client=duplicate, body="Note on the duplicate")
    FollowUpTaskFactory(client=duplicate, title="Task on the duplicate")
    return survivor, duplicate


def merge_url(client) -> str:
    return f"/clients/{client.pk}/merge/"


def test_the_merge_page_finds_candidates_but_not_the_record_itself(pair, front_desk, login):
    survivor, duplicate = pair
    ClientFactory(first_name="Bob", last_name="Other")

    body = login(front_desk).get(merge_url(survivor), {"q": "silva"}).content.decode()

    candidates = body.split('data-testid="merge-candidates"')[1].split("</section>")[0]
    assert f"duplicate={duplicate.pk}" in candidates
    assert f"duplicate={survivor.pk}" not in candidates
    assert "Bob Other" not in candidates


def test_the_preview_shows_both_records_side_by_side_and_what_will_move(pair, owner, login):
    survivor, duplicate = pair

    body = login(owner).get(merge_url(survivor), {"duplicate": duplicate.pk}).content.decode()

    preview = body.split('data-testid="merge-preview"')[1].split("</table>")[0]
    assert "ana@example.test" in preview
    assert "ana.silva@example.test" in preview
    assert "Porto" in preview and "from duplicate" in preview
    assert "<strong>1</strong> timeline entry" in body
    assert "<strong>1</strong> task," in body
    assert 'data-testid="confirm-merge"' in body


def test_merging_moves_notes_and_tasks_archives_the_duplicate_and_is_audited(
    pair, front_desk, login
):
    survivor, duplicate = pair
    AssignmentFactory(client=duplicate)

    response = login(front_desk).post(merge_url(survivor), {"duplicate": duplicate.pk}, follow=True)

    assert response.redirect_chain[-1][0] == f"/clients/{survivor.pk}/"
    body = response.content.decode()
    assert "merged into this record" in body
    assert "Note on the duplicate" in body
    assert "Task on the duplicate" in body
    assert f"Merged with Ana Silva (#{duplicate.pk})." in body
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.archived_at is not None and duplicate.merged_into == survivor
    assert survivor.city == "Porto" and survivor.phone == "+447911123456"
    assert survivor.assignments.count() == 1
    audit = AuditEntry.objects.get(action="client.merge")
    assert audit.actor == front_desk
    assert audit.object_id == str(survivor.pk)
    assert audit.changes["merged_from"] == duplicate.pk


def test_the_merged_duplicate_leaves_the_list_and_points_to_the_survivor(pair, owner, login):
    survivor, duplicate = pair
    browser = login(owner)
    browser.post(merge_url(survivor), {"duplicate": duplicate.pk})

    listing = browser.get("/clients/").content.decode()
    record = browser.get(f"/clients/{duplicate.pk}/").content.decode()

    assert f'href="/clients/{duplicate.pk}/"' not in listing
    assert f'href="/clients/{survivor.pk}/"' in record
    assert "This record was merged into" in record


def test_a_record_cannot_be_merged_into_itself(pair, owner, login):
    survivor, _ = pair

    response = login(owner).get(merge_url(survivor), {"duplicate": survivor.pk})

    assert response.status_code == 404


def test_merging_a_guessed_or_archived_duplicate_is_a_404(pair, owner, login):
    survivor, _ = pair
    archived = ClientFactory(archived_at=timezone.now())
    browser = login(owner)

    assert browser.post(merge_url(survivor), {"duplicate": 987654}).status_code == 404
    assert browser.post(merge_url(survivor), {"duplicate": archived.pk}).status_code == 404
    assert browser.post(merge_url(survivor), {"duplicate": "x"}).status_code == 404
    assert browser.get(merge_url(survivor), {"duplicate": 987654}).status_code == 404
    assert Client.objects.filter(merged_into__isnull=False).count() == 0


def test_nothing_can_be_merged_into_a_record_that_was_merged_away(pair, owner, login):
    survivor, duplicate = pair
    other = ClientFactory()
    browser = login(owner)
    browser.post(merge_url(survivor), {"duplicate": duplicate.pk})

    again = browser.post(merge_url(survivor), {"duplicate": duplicate.pk})
    into_merged = browser.post(merge_url(duplicate), {"duplicate": other.pk}, follow=True)

    assert again.status_code == 404  # the duplicate is archived now
    assert "One of these records was already merged." in into_merged.content.decode()
    other.refresh_from_db()
    assert other.merged_into is None


@pytest.mark.parametrize("role", ["trainer", "client_user"])
def test_only_the_desk_may_merge(role, pair, request, login):
    survivor, duplicate = pair

    response = login(request.getfixturevalue(role)).post(
        merge_url(survivor), {"duplicate": duplicate.pk}
    )

    assert response.status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
