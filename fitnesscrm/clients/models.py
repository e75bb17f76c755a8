"""Clients and leads, their tags, trainers, timeline and follow-up tasks."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from fitnesscrm.core.text import search_key


class Status(models.TextChoices):
    LEAD = "lead", "Lead"
    TRIAL = "trial", "Trial"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    INACTIVE = "inactive", "Inactive"


class LeadStage(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    TRIAL_BOOKED = "trial_booked", "Trial booked"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Source(models.TextChoices):
    WALK_IN = "walk_in", "Walk-in"
    REFERRAL = "referral", "Referral"
    WEBSITE = "website", "Website"
    SOCIAL = "social", "Social media"
    OTHER = "other", "Other"


# Fields that hold health data: shown only to owners, managers and assigned trainers.
HEALTH_FIELDS = ("health_notes", "injuries")


class Tag(models.Model):
    name = models.CharField("name", max_length=40)
    colour = models.CharField("colour", max_length=7, default="#6c757d")

    class Meta:
        verbose_name = "tag"
        verbose_name_plural = "tags"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    first_name = models.CharField("first name", max_length=80)
    last_name = models.CharField("last name", max_length=80, blank=True)
    # Stored lower-cased; unique when present (a walk-in lead may have none yet).
    email = models.EmailField("email", max_length=254, blank=True)
    # E.164, e.g. +447700900123.
    phone = models.CharField("phone", max_length=20, blank=True)
    date_of_birth = models.DateField("date of birth", null=True, blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("city", max_length=100, blank=True)
    postal_code = models.CharField("postal code", max_length=20, blank=True)
    country = models.CharField("country", max_length=2, blank=True)
    emergency_contact_name = models.CharField("emergency contact", max_length=150, blank=True)
    emergency_contact_phone = models.CharField("emergency contact phone", max_length=20, blank=True)
    goals = models.TextField("goals", max_length=4000, blank=True)
    health_notes = models.TextField("health notes", max_length=4000, blank=True)
    injuries = models.TextField("injuries", max_length=4000, blank=True)
    source = models.CharField("source", max_length=20, choices=Source.choices, default=Source.OTHER)
    tags = models.ManyToManyField(Tag, verbose_name="tags", blank=True, related_name="clients")

    email_consent = models.BooleanField("email marketing consent", default=False)
    email_consent_at = models.DateTimeField("email consent changed", null=True, blank=True)
    sms_consent = models.BooleanField("SMS marketing consent", default=False)
    sms_consent_at = models.DateTimeField("SMS consent changed", null=True, blank=True)

    photo = models.ImageField("photo", upload_to="clients/photos/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="login",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_profile",
    )

    status = models.CharField("status", max_length=20, choices=Status.choices, default=Status.LEAD)
    status_changed_at = models.DateTimeField("status changed", auto_now_add=True)
    lead_stage = models.CharField(
        "lead stage", max_length=20, choices=LeadStage.choices, default=LeadStage.NEW
    )
    lost_reason = models.CharField("lost reason", max_length=200, blank=True)

    archived_at = models.DateTimeField("archived", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="merged into",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)
    # Name, email and phone without case or accents, kept by save(): what search reads.
    search_text = models.CharField(max_length=600, blank=True, editable=False)

    class Meta:
        verbose_name = "client"
        verbose_name_plural = "clients"
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="client_email_ci_unique",
                violation_error_message="Another client already has this email.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="client_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(lead_stage__in=LeadStage.values),
                name="client_lead_stage_valid",
            ),
        ]
        indexes = [
            # The default list: live clients sorted by name.
            models.Index(
                fields=["last_name", "first_name", "id"],
                name="client_live_name",
                condition=models.Q(archived_at__isnull=True),
            ),
            # The list sorted by status (then name), without sorting the whole table.
            models.Index(
                fields=["status", "last_name", "first_name", "id"],
                name="client_live_status_name",
                condition=models.Q(archived_at__isnull=True),
            ),
            # Status filter, and dashboard counts by status.
            models.Index(fields=["status", "archived_at"], name="client_status"),
            # "New clients this month".
            models.Index(fields=["created_at"], name="client_created"),
            # The list sorted by newest or oldest: far pages read their ids from the
            # index alone (30 ms for page 500 through client_created, which holds no
            # archived_at and so visits every skipped row).
            models.Index(
                fields=["created_at", "id"],
                name="client_live_created",
                condition=models.Q(archived_at__isnull=True),
            ),
            # The list sorted by status descending, names ascending within a status:
            # no ascending index can be read backwards for that order (16 ms, page 1).
            models.Index(
                models.F("status").desc(),
                "last_name",
                "first_name",
                "id",
                name="client_live_status_desc_name",
                condition=models.Q(archived_at__isnull=True),
            ),
            # The lead board groups leads by stage.
            models.Index(fields=["lead_stage", "status"], name="client_lead_stage"),
            models.Index(fields=["source"], name="client_source"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.fill_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "email"}
        super().save(*args, **kwargs)

    def fill_derived_fields(self) -> None:
        """The lower-cased email and the search key; bulk_create skips save(), so it calls this."""
        self.email = (self.email or "").strip().lower()
        self.search_text = search_key(
            self.first_name, self.last_name, self.email, self.phone, self.phone.lstrip("+")
        )[:600]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tag_list(self) -> list[Tag]:
        """The tags, as loaded with a list of clients (selectors.client_list), else read now."""
        loaded = getattr(self, "loaded_tags", None)
        return loaded if loaded is not None else list(self.tags.all())

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Assignment(models.Model):
    """A trainer working with a client, from a start date until an end date (history)."""

    client = models.ForeignKey(
        Client, verbose_name="client", on_delete=models.CASCADE, related_name="assignments"
    )
    trainer = models.ForeignKey(
        "trainers.Trainer",
        verbose_name="trainer",
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    is_primary = models.BooleanField("primary trainer", default=False)
    start_date = models.DateField("start date")
    end_date = models.DateField("end date", null=True, blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "assignment"
        verbose_name_plural = "assignments"
        ordering = ["-is_primary", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "trainer"],
                condition=models.Q(end_date__isnull=True),
                name="assignment_one_active_per_pair",
                violation_error_message="This trainer is already assigned to this client.",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(end_date__isnull=True, is_primary=True),
                name="assignment_one_active_primary",
                violation_error_message="This client already has a primary trainer.",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [
            # "My clients" for a trainer: active assignments by trainer.
            models.Index(
                fields=["trainer", "client"],
                name="assignment_active_trainer",
                condition=models.Q(end_date__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainer} → {self.client}"

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class EntryKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    STATUS = "status", "Status change"
    STAGE = "stage", "Lead stage change"
    ASSIGNMENT = "assignment", "Assignment change"
    MERGE = "merge", "Merge"
    SYSTEM = "system", "Record change"


class TimelineEntry(models.Model):
    """One line of a client's history: a note, a logged call or email, or a change."""

    client = models.ForeignKey(
        Client, verbose_name="client", on_delete=models.CASCADE, related_name="timeline"
    )
    kind = models.CharField("kind", max_length=20, choices=EntryKind.choices)
    body = models.TextField("text", max_length=10000, blank=True)
    # Structured facts of a change, e.g. {"from": "lead", "to": "trial"}.
    data = models.JSONField("details", default=dict, blank=True)
    pinned = models.BooleanField("pinned", default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="author",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("time", auto_now_add=True)

    class Meta:
        verbose_name = "timeline entry"
        verbose_name_plural = "timeline entries"
        ordering = ["-pinned", "-created_at", "-id"]
        indexes = [
            # A client's timeline, newest first.
            models.Index(fields=["client", "-created_at"], name="timeline_client_time"),
            # Dashboard: status changes (conversions) in a period; recent activity.
            models.Index(fields=["kind", "created_at"], name="timeline_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client_id}"


class FollowUpTask(models.Model):
    """A to-do about a client (call back, book a trial), due on a date, for one staff member."""

    client = models.ForeignKey(
        Client, verbose_name="client", on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField("task", max_length=200)
    due_date = models.DateField("due")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="assigned to",
        on_delete=models.CASCADE,
        related_name="follow_up_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField("done", null=True, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "follow-up task"
        verbose_name_plural = "follow-up tasks"
        ordering = ["due_date", "id"]
        indexes = [
            # A staff member's open tasks on their home page.
            models.Index(
                fields=["assigned_to", "due_date"],
                name="task_open_by_assignee",
                condition=models.Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- CSV import ---------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Waiting for the column mapping"
    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Checked"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ImportMode(models.TextChoices):
    ALL = "all", "All rows"
    VALID = "valid", "Only the valid rows"


def _import_upload_to(instance, filename: str) -> str:
    # A random name: the user's file name is kept in file_name, never used as a path.
    return f"imports/{uuid.uuid4().hex}.csv"


class ClientImport(models.Model):
    """A CSV file of clients on its way in: uploaded, mapped, checked (dry run), imported.

    The counters are written while the worker goes through the file, so the page
    can show "n of N rows checked"; each write is also the run's sign of life, so a
    run whose worker died is noticed (imports/cleanup.py). The file is deleted once
    the import is done or cancelled; its first rows and row problems, which hold
    personal data, some days after it ended. The row itself stays as history.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uploaded by",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField("file", upload_to=_import_upload_to, blank=True)
    file_name = models.CharField("file name", max_length=255)
    file_size = models.PositiveIntegerField("size (bytes)", default=0)
    encoding = models.CharField("encoding", max_length=20, default="utf-8")
    delimiter = models.CharField("delimiter", max_length=1, default=",")
    # The header row, and the first few data rows shown beside the column mapping.
    headers = models.JSONField("columns", default=list, blank=True)
    preview = models.JSONField("first rows", default=list, blank=True)
    total_rows = models.PositiveIntegerField("rows", default=0)
    # {"<column index>": "<field name>"}; columns not listed are ignored.
    mapping = models.JSONField("column mapping", default=dict, blank=True)
    status = models.CharField(
        "status", max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mode = models.CharField("rows to import", max_length=10, choices=ImportMode.choices, blank=True)
    checked_rows = models.PositiveIntegerField("rows checked", default=0)
    valid_rows = models.PositiveIntegerField("valid rows", default=0)
    error_rows = models.PositiveIntegerField("rows with errors", default=0)
    error_count = models.PositiveIntegerField("errors", default=0)
    duplicates_in_file = models.PositiveIntegerField("emails repeated in the file", default=0)
    duplicates_existing = models.PositiveIntegerField("emails of existing clients", default=0)
    imported_rows = models.PositiveIntegerField("clients imported", default=0)
    # Each check of the file starts a new attempt; its import continues it. A run writes
    # only while the import is still at its status and attempt, so a run cut off and
    # started again never writes over the new one.
    attempt = models.PositiveIntegerField("attempt", default=0)
    # Written when a check or an import is started and after each chunk of rows: a
    # running import with no sign of life for a while was interrupted.
    heartbeat_at = models.DateTimeField("last sign of life", null=True, blank=True)
    # When the uploaded file, the first rows and the row problems were deleted.
    purged_at = models.DateTimeField("file and details deleted", null=True, blank=True)
    # Why it failed, or what changed between the check and the import.
    message = models.CharField("message", max_length=500, blank=True)
    created_at = models.DateTimeField("uploaded", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)
    finished_at = models.DateTimeField("finished", null=True, blank=True)

    class Meta:
        verbose_name = "client import"
        verbose_name_plural = "client imports"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values),
                name="client_import_status_valid",
            ),
        ]
        indexes = [
            # "Your recent imports" on the import page.
            models.Index(fields=["created_by", "-created_at"], name="client_import_by_user"),
        ]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.file_name})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ClientImportError(models.Model):
    """One problem found in one row of an import: the row number as a spreadsheet shows it."""

    job = models.ForeignKey(
        ClientImport, verbose_name="import", on_delete=models.CASCADE, related_name="row_errors"
    )
    row = models.PositiveIntegerField("row")
    column = models.CharField("column", max_length=200, blank=True)
    field = models.CharField("field", max_length=40, blank=True)
    # "invalid", "duplicate_in_file" or "duplicate_existing".
    code = models.CharField("kind", max_length=40, default="invalid")
    message = models.CharField("message", max_length=500)

    class Meta:
        verbose_name = "import row error"
        verbose_name_plural = "import row errors"
        ordering = ["row", "id"]
        indexes = [
            # The error list of an import, by row.
            models.Index(fields=["job", "row"], name="client_import_error_row"),
        ]

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


class ConsentKind(models.TextChoices):
    HEALTH_DATA = "health_data", "Health data (measurements, photos, health notes)"
    EMAIL_MARKETING = "email_marketing", "News and offers by email"
    SMS_MARKETING = "sms_marketing", "News and offers by text message"


class ConsentMethod(models.TextChoices):
    PORTAL = "portal", "By the client in the portal"
    IN_PERSON = "in_person", "In person, recorded by staff"
    WRITTEN = "written", "On a signed form, recorded by staff"
    API = "api", "Through the API"


class ConsentRecord(models.Model):
    """One grant or withdrawal of a consent; the newest row of a kind is the one in force.

    Rows are never changed or deleted (except with the client's erasure): they are the
    history a data-protection officer asks for.
    """

    client = models.ForeignKey(
        Client, verbose_name="client", on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField("consent", max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField("granted")
    method = models.CharField("how", max_length=20, choices=ConsentMethod.choices)
    # The wording the client agreed to, as shown at the time.
    wording = models.TextField("wording", max_length=2000, blank=True)
    recorded_at = models.DateTimeField("recorded", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="recorded by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "consent record"
        verbose_name_plural = "consent records"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ConsentKind.values), name="consent_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=ConsentMethod.values), name="consent_method_valid"
            ),
        ]
        indexes = [
            # "Is this consent in force": the newest record of a kind for a client.
            models.Index(fields=["client", "kind", "-recorded_at"], name="consent_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'granted' if self.granted else 'withdrawn'}"
