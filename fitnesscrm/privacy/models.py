"""GDPR records: data exports, erasures, and the log of data-subject requests.

None of these rows holds personal data of its own beyond the link to the client: an
erasure keeps the client's id and pseudonym, and a request's notes are for what was
done, not about the person.
"""

import calendar
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


def one_month_after(moment: datetime) -> datetime:
    """The same day next calendar month, or that month's last day (Jan 31 -> Feb 28/29)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class ExportStatus(models.TextChoices):
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired (file deleted)"


class DataExport(models.Model):
    """A zip of everything held about one client (GDPR art. 15 and 20), kept for a few days."""

    client = models.ForeignKey(
        "clients.Client", verbose_name="client", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="requested by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "status", max_length=10, choices=ExportStatus.choices, default=ExportStatus.READY
    )
    # A random name in the private storage; never served except through the checked view.
    file = models.FileField("file", upload_to="privacy/exports/", blank=True, max_length=200)
    size_bytes = models.PositiveIntegerField("size (bytes)", default=0)
    # Rows per section, e.g. {"bookings": 12}.
    counts = models.JSONField("rows per section", default=dict, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    expires_at = models.DateTimeField("expires")
    downloaded_at = models.DateTimeField("last downloaded", null=True, blank=True)

    class Meta:
        verbose_name = "data export"
        verbose_name_plural = "data exports"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="privacy_export_status_valid"
            ),
        ]
        indexes = [
            # A client's exports on their privacy page, newest first.
            models.Index(fields=["client", "-created_at"], name="privacy_export_client"),
            # The purge of expired files.
            models.Index(fields=["status", "expires_at"], name="privacy_export_expiry"),
        ]

    def __str__(self) -> str:
        return f"Export #{self.pk} of client #{self.client_id}"


class ErasureRecord(models.Model):
    """That a client's personal data was erased (GDPR art. 17): who, when, how much; no data."""

    # Not a foreign key: the record outlives whatever happens to the client row.
    client_id = models.PositiveBigIntegerField("client id", db_index=True)
    pseudonym = models.CharField("pseudonym", max_length=60)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="erased by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # "staff" (an owner acting on a request), or "retention" (the scheduled job).
    reason = models.CharField("reason", max_length=20, default="staff")
    # Rows per category, e.g. {"photos": 3, "bookings_kept": 12}.
    counts = models.JSONField("counts", default=dict, blank=True)
    erased_at = models.DateTimeField("erased", auto_now_add=True)

    class Meta:
        verbose_name = "erasure record"
        verbose_name_plural = "erasure records"
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pseudonym} erased"


class RequestKind(models.TextChoices):
    ACCESS = "access", "Access / export (art. 15, 20)"
    ERASURE = "erasure", "Erasure (art. 17)"
    RECTIFICATION = "rectification", "Rectification (art. 16)"
    OBJECTION = "objection", "Objection (art. 21)"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"


class DataSubjectRequest(models.Model):
    """A request by a client about their data; due one calendar month after it came in."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.CASCADE,
        related_name="data_requests",
    )
    kind = models.CharField("request", max_length=20, choices=RequestKind.choices)
    received_at = models.DateTimeField("received")
    due_at = models.DateTimeField("due")
    status = models.CharField(
        "status", max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    # "portal", "staff" or "api": how it came in.
    channel = models.CharField("received through", max_length=10, default="staff")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="recorded by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="handled by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField("closed", null=True, blank=True)
    # What was done; no personal data beyond the link to the client.
    notes = models.TextField("notes", max_length=2000, blank=True)

    class Meta:
        verbose_name = "data-subject request"
        verbose_name_plural = "data-subject requests"
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RequestKind.values), name="privacy_request_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="privacy_request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("received_at")), name="privacy_request_due"
            ),
        ]
        indexes = [
            # The open requests by deadline on the requests page.
            models.Index(fields=["status", "due_at"], name="privacy_request_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request #{self.pk}"

    def save(self, *args, **kwargs):
        if self.received_at and not self.due_at:
            self.due_at = one_month_after(self.received_at)
        super().save(*args, **kwargs)
