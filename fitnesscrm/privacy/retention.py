"""The retention rules: leads left inactive are erased, old audit entries deleted.

A lead (status "lead", never a client) with no change to its record, its timeline
or its tasks for PRIVACY_LEAD_RETENTION_DAYS is erased like any client (the lead
row stays, pseudonymised: a lead has no invoices, so nothing else of it stays).
Audit entries older than PRIVACY_AUDIT_RETENTION_DAYS are deleted. Expired data
exports lose their file.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from fitnesscrm.clients.models import Client, FollowUpTask, Status, TimelineEntry
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.privacy import erasure
from fitnesscrm.privacy.models import DataExport, ExportStatus


@dataclass
class RetentionReport:
    dry_run: bool
    leads: list[int] = field(default_factory=list)
    audit_entries: int = 0
    exports: int = 0

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "leads_erased": len(self.leads),
            "lead_ids": self.leads,
            "audit_entries_deleted": self.audit_entries,
            "exports_expired": self.exports,
        }


def stale_leads(now):
    cutoff = now - timedelta(days=settings.PRIVACY_LEAD_RETENTION_DAYS)
    recent_timeline = TimelineEntry.objects.filter(client=OuterRef("pk"), created_at__gt=cutoff)
    recent_tasks = FollowUpTask.objects.filter(client=OuterRef("pk"), created_at__gt=cutoff)
    return (
        Client.objects.filter(status=Status.LEAD, updated_at__lte=cutoff, user__isnull=True)
        .exclude(first_name="Erased client")
        .exclude(Exists(recent_timeline))
        .exclude(Exists(recent_tasks))
        .order_by("pk")
    )


def old_audit_entries(now):
    cutoff = now - timedelta(days=settings.PRIVACY_AUDIT_RETENTION_DAYS)
    return AuditEntry.objects.filter(created_at__lt=cutoff)


def expired_exports(now):
    return DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now)


def retention_run(*, dry_run: bool = False, now=None) -> RetentionReport:
    """Apply the rules (or, with dry_run, only count what they would do)."""
    from fitnesscrm.privacy.services import exports_purge

    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    report.leads = list(stale_leads(now).values_list("pk", flat=True))
    report.audit_entries = old_audit_entries(now).count()
    report.exports = expired_exports(now).count()
    if dry_run:
        return report
    for lead in Client.objects.filter(pk__in=report.leads):
        erasure.erase_client(client=lead, actor=None, reason="retention")
    report.exports = exports_purge(now=now)
    report.audit_entries, _ = old_audit_entries(now).delete()
    audit_record(
        action="privacy.retention",
        actor_label="retention job",
        changes={k: v for k, v in report.as_dict().items() if k != "lead_ids"},
    )
    return report
