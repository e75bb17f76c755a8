"""The retention job: stale leads erased, old audit entries deleted; the dry run changes nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string

from fitnesscrm.clients.models import Client
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.periodic import PERIODIC_JOBS
from fitnesscrm.privacy.models import ErasureRecord
from fitnesscrm.privacy.tasks import privacy_retention
from tests.factories import LeadFactory, MemberFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db


def _aged(client: Client, days: int) -> Client:
    Client.objects.filter(pk=client.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return client


def _old_entry(days: int) -> AuditEntry:
    entry = audit_record(action="test.old", object_label=f"{days} days old")
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(days=days))
    return entry


@pytest.fixture
def history(settings):
    settings.PRIVACY_LEAD_RETENTION_DAYS = 730
    settings.PRIVACY_AUDIT_RETENTION_DAYS = 2190
    stale = _aged(LeadFactory(first_name="Stella", last_name="Stale", email="stale@x.test"), 800)
    recent = _aged(LeadFactory(first_name="Rita", last_name="Recent"), 100)
    # Untouched for long, but a note was written on its timeline last month.
    noted = _aged(LeadFactory(first_name="Nora", last_name="Noted"), 800)
    TimelineEntryFactory(client=noted, body="Called back.")
    # A member inactive as long is not a lead: members are kept (invoices, contracts).
    member = _aged(MemberFactory(first_name="Max", last_name="Member"), 800)
    old = _old_entry(2200)
    young = _old_entry(2100)
    return {"stale": stale, "recent": recent, "noted": noted, "member": member, "old": old,
            "young": young}  # fmt: skip


def _state():
    return (
        list(Client.objects.order_by("pk").values_list("pk", "first_name", "email", "updated_at")),
        list(AuditEntry.objects.order_by("pk").values_list("pk", flat=True)),
        ErasureRecord.objects.count(),
    )


def test_the_dry_run_prints_what_it_would_do_and_changes_nothing(history, capsys):
    before = _state()

    call_command("privacy_retention", "--dry-run")

    out = capsys.readouterr().out
    assert f"Would erase 1 lead(s) inactive for 730 days: #{history['stale'].pk}" in out
    assert "Would delete 1 audit entr(ies) older than 2190 days" in out
    assert "Dry run: nothing was changed." in out
    assert _state() == before


def test_the_run_erases_exactly_the_stale_lead_and_the_old_audit_entries(history, capsys):
    call_command("privacy_retention")

    stale = Client.objects.get(pk=history["stale"].pk)
    assert stale.full_name == f"Erased client #{stale.pk}" and stale.email == ""
    for kept in ("recent", "noted", "member"):
        assert Client.objects.get(pk=history[kept].pk).email == history[kept].email
    assert not AuditEntry.objects.filter(pk=history["old"].pk).exists()
    assert AuditEntry.objects.filter(pk=history["young"].pk).exists()
    assert ErasureRecord.objects.get().reason == "retention"
    assert "Erased 1 lead(s)" in capsys.readouterr().out


def test_the_periods_come_from_the_settings(history, settings):
    settings.PRIVACY_LEAD_RETENTION_DAYS = 50
    settings.PRIVACY_AUDIT_RETENTION_DAYS = 2000

    report = privacy_retention.call()

    assert report["leads_erased"] == 2  # the stale lead and the recent one (100 days)
    assert set(report["lead_ids"]) == {history["stale"].pk, history["recent"].pk}
    assert report["audit_entries_deleted"] == 2


def test_the_retention_job_runs_daily():
    job = next(job for job in PERIODIC_JOBS if job.name == "privacy.retention")
    assert job.every == timedelta(days=1)
    assert import_string(job.task) is privacy_retention
