"""Forms of the client pages: the shape of the input; the rules live in clients.services."""

from django import forms
from django.utils import timezone

from fitnesscrm.clients.models import HEALTH_FIELDS, Client, EntryKind, LeadStage, Source, Status
from fitnesscrm.core.forms_rendering import StyledFormMixin

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
SORT_CHOICES = [
    ("name", "Name (A to Z)"),
    ("-name", "Name (Z to A)"),
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("status", "Status"),
]
TOO_LONG = "At most %(limit_value)d characters (this has %(show_value)d)."
MAX_SELECTION = 1000


def _limit(name: str) -> int:
    return Client._meta.get_field(name).max_length


HEALTH_HELP = "Recorded only while the client consents to health data (see their progress page)."


def _text(name: str, *, required: bool = False, textarea: bool = False, **kwargs) -> forms.Field:
    """A text field as long as the model allows, with a clear message when it is longer."""
    limit = _limit(name)
    field = forms.CharField(
        label=kwargs.pop("label", Client._meta.get_field(name).verbose_name.capitalize()),
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput,
        error_messages={"max_length": TOO_LONG},
        **kwargs,
    )
    if textarea:
        # No maxlength in the browser: a long paste would be cut silently; the server says why.
        field.widget.attrs.pop("maxlength", None)
        field.help_text = field.help_text or f"Up to {limit:,} characters."
    return field


class ClientFilterForm(StyledFormMixin, forms.Form):
    """The list's search, filters, sort and page size; a bad value falls back to the default."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, email or phone",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    status = forms.ChoiceField(label="Status", required=False)
    trainer = forms.TypedChoiceField(label="Trainer", required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(label="Tag", required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(label="Source", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)
    per_page = forms.TypedChoiceField(
        label="Per page",
        required=False,
        coerce=int,
        empty_value=DEFAULT_PER_PAGE,
        choices=[(n, str(n)) for n in PER_PAGE_CHOICES],
    )
    archived = forms.BooleanField(label="Show archived", required=False)

    def __init__(self, data, *, trainers, tags, can_see_archived: bool):
        # The defaults count as chosen, so the selects show them (and htmx sends them).
        data = data.copy()
        for name, default in (("sort", "name"), ("per_page", str(DEFAULT_PER_PAGE))):
            if not data.get(name):
                data[name] = default
        super().__init__(data)
        self.fields["status"].choices = [("", "Any status"), *Status.choices]
        self.fields["source"].choices = [("", "Any source"), *Source.choices]
        self.fields["trainer"].choices = [("", "Any trainer")] + [(t.pk, t.name) for t in trainers]
        self.fields["tag"].choices = [("", "Any tag")] + [(t.pk, t.name) for t in tags]
        if not can_see_archived:
            del self.fields["archived"]
        self.is_valid()

    def full_clean(self):
        # Filters keep working while a bad value is ignored: no red fields on a list.
        forms.Form.full_clean(self)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or "",
            "trainer_id": data.get("trainer"),
            "tag_id": data.get("tag"),
            "source": data.get("source") or "",
            "sort": data.get("sort") or "name",
            "per_page": data.get("per_page") or DEFAULT_PER_PAGE,
            "include_archived": bool(data.get("archived")),
        }

    @property
    def active_filters(self) -> int:
        values = self.values()
        keys = ("status", "trainer_id", "tag_id", "source", "include_archived")
        return sum(1 for key in keys if values[key])


class ClientForm(StyledFormMixin, forms.Form):
    """Every field of a client record; health fields only for those allowed to see them."""

    first_name = _text("first_name", required=True)
    last_name = _text("last_name")
    email = forms.EmailField(
        label="Email",
        required=False,
        max_length=254,
        error_messages={"max_length": TOO_LONG},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=30,
        error_messages={"max_length": TOO_LONG},
        help_text="With or without the country code.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label="Status", choices=Status.choices, initial=Status.LEAD)
    source = forms.ChoiceField(label="Source", choices=Source.choices, initial=Source.OTHER)
    trainer = forms.TypedChoiceField(
        label="Primary trainer", required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=1000,
        help_text="Separate tags with commas, e.g. “morning, referral-2026”.",
    )
    address_line1 = _text("address_line1", label="Address")
    address_line2 = _text("address_line2", label="Address line 2")
    city = _text("city")
    postal_code = _text("postal_code")
    country = forms.CharField(
        label="Country",
        required=False,
        max_length=2,
        error_messages={"max_length": "Use the two-letter country code, e.g. GB."},
        help_text="Two-letter code, e.g. GB.",
        widget=forms.TextInput(attrs={"class": "text-uppercase", "autocomplete": "off"}),
    )
    emergency_contact_name = _text("emergency_contact_name", label="Name")
    emergency_contact_phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=30,
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    goals = _text("goals", textarea=True)
    health_notes = _text("health_notes", textarea=True, help_text=HEALTH_HELP)
    injuries = _text("injuries", textarea=True, help_text=HEALTH_HELP)
    email_consent = forms.BooleanField(label="Email marketing", required=False)
    sms_consent = forms.BooleanField(label="SMS marketing", required=False)
    photo = forms.FileField(
        label="Photo",
        required=False,
        help_text="JPEG, PNG or WebP, up to 5 MB. Location and camera data are removed.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label="Remove the current photo", required=False)

    # Sections of the page, in order; fields a form does not have are skipped.
    SECTIONS = [
        ("Person", ["first_name", "last_name", "date_of_birth", "photo", "remove_photo"]),
        ("Contact", ["email", "phone"]),
        ("Membership", ["status", "source", "trainer", "tags"]),
        ("Address", ["address_line1", "address_line2", "city", "postal_code", "country"]),
        ("Emergency contact", ["emergency_contact_name", "emergency_contact_phone"]),
        ("Marketing consent", ["email_consent", "sms_consent"]),
        ("Goals", ["goals"]),
        ("Health", list(HEALTH_FIELDS)),
    ]

    def __init__(
        self, *args, health: bool, creating: bool, trainers=None, has_photo=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.health = health
        if not has_photo:
            del self.fields["remove_photo"]
        # Health notes need the client's consent to health data, which a record not yet
        # saved cannot have: they are added on the edit form once consent is recorded.
        if not health or creating:
            for name in HEALTH_FIELDS:
                del self.fields[name]
        if not creating:
            # Status changes go through the detail page, which keeps them as history.
            del self.fields["status"]
        if trainers is None or not creating:
            del self.fields["trainer"]
        else:
            self.fields["trainer"].choices = [("", "No trainer yet")] + [
                (t.pk, t.name) for t in trainers
            ]
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()

    @classmethod
    def initial_for(cls, client: Client) -> dict:
        skip = {"photo", "remove_photo", "trainer"}
        initial = {
            name: getattr(client, name)
            for name in cls.base_fields
            if name not in skip and hasattr(client, name)
        }
        initial["tags"] = ", ".join(tag.name for tag in client.tags.all())
        return initial

    def sections(self):
        for title, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields

    def service_fields(self) -> dict:
        """The cleaned values as client_create / client_update take them."""
        data = dict(self.cleaned_data)
        for name in ("trainer", "status", "photo", "remove_photo"):
            data.pop(name, None)
        data["tags"] = [t.strip() for t in data.get("tags", "").split(",") if t.strip()]
        return data


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label="Status", choices=Status.choices)


class StageForm(StyledFormMixin, forms.Form):
    stage = forms.ChoiceField(label="Lead stage", choices=LeadStage.choices)
    lost_reason = forms.CharField(
        label="Reason (if lost)",
        required=False,
        max_length=200,
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"placeholder": "e.g. chose another gym"}),
    )


class NoteForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[(k.value, k.label) for k in (EntryKind.NOTE, EntryKind.CALL, EntryKind.EMAIL)],
        initial=EntryKind.NOTE,
    )
    body = forms.CharField(
        label="Add a note, or log a call or an email",
        max_length=10000,
        error_messages={"required": "Write something first.", "max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened, what was agreed"}),
    )
    pinned = forms.BooleanField(label="Pin to the top", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.pop("maxlength", None)


class AssignmentForm(StyledFormMixin, forms.Form):
    trainer = forms.TypedChoiceField(label="Trainer", coerce=int)
    is_primary = forms.BooleanField(label="Primary trainer", required=False)
    start_date = forms.DateField(
        label="Start date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        error_messages={"max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"placeholder": "Optional"}),
    )

    def __init__(self, *args, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].choices = [("", "Choose a trainer")] + [
            (t.pk, t.name) for t in trainers
        ]


class TaskForm(StyledFormMixin, forms.Form):
    title = forms.CharField(
        label="Task",
        max_length=200,
        error_messages={"required": "Say what needs doing.", "max_length": TOO_LONG},
        widget=forms.TextInput(attrs={"placeholder": "e.g. Call back about a trial"}),
    )
    due_date = forms.DateField(
        label="Due", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    assigned_to = forms.TypedChoiceField(label="For", coerce=int)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignees = {user.pk: user for user in assignees}
        self.fields["assigned_to"].choices = [
            (pk, user.full_name or user.email) for pk, user in self.assignees.items()
        ]

    def clean_assigned_to(self):
        return self.assignees[self.cleaned_data["assigned_to"]]


class MergeSearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="Find the duplicate",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email or phone"}),
    )


class ConsentForm(StyledFormMixin, forms.Form):
    email_consent = forms.BooleanField(label="Email me news and offers", required=False)
    sms_consent = forms.BooleanField(label="Text me news and offers", required=False)
