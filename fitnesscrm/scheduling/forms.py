"""Forms of the schedule pages: the shape of the input; the rules live in scheduling.services.

Times are typed as a local date and a local wall-clock time in the business's time
zone; the views turn them into UTC through recurrence.local_to_utc, which refuses a
time the clocks skip or repeat.
"""

from django import forms

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.pages import apply_errors as _apply_errors
from fitnesscrm.scheduling.models import (
    MAX_CAPACITY,
    MAX_OCCURRENCES,
    Access,
    Kind,
    SchedulingSettings,
)
from fitnesscrm.scheduling.services import ALL, FOLLOWING, THIS
from fitnesscrm.scheduling.services.setup import MAX_REMINDERS

WEEKDAYS = [
    (0, "Mon"),
    (1, "Tue"),
    (2, "Wed"),
    (3, "Thu"),
    (4, "Fri"),
    (5, "Sat"),
    (6, "Sun"),
]
SCOPE_CHOICES = [
    (THIS, "This session only"),
    (FOLLOWING, "This and the following sessions"),
    (ALL, "All future sessions of the series"),
]
# Where a service names a field the form calls otherwise.
FIELD_ALIASES = {
    "starts_at": "start_time",
    "ends_at": "duration_minutes",
    "first_day": "date",
    "location": "location",
}
PER_PAGE = 50


def apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    """A service's refusal at the fields it names (under the form's own names)."""
    _apply_errors(form, exc, aliases=FIELD_ALIASES)


def _choices(items, empty: str | None = None) -> list:
    head = [("", empty)] if empty is not None else []
    return head + [(item.pk, str(item)) for item in items]


def _pick(items, pk):
    return next((item for item in items if item.pk == pk), None) if pk else None


class SessionFilterForm(StyledFormMixin, forms.Form):
    """The calendar's and the list's filters; a bad value is ignored, never an error page."""

    trainer = forms.TypedChoiceField(label="Trainer", required=False, coerce=int, empty_value=None)
    room = forms.TypedChoiceField(label="Room", required=False, coerce=int, empty_value=None)
    location = forms.TypedChoiceField(
        label="Location", required=False, coerce=int, empty_value=None
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cancelled = forms.BooleanField(label="Show cancelled", required=False)

    def __init__(self, data, *, trainers, rooms, locations):
        super().__init__(data)
        self.fields["trainer"].choices = _choices(trainers, "Any trainer")
        self.fields["room"].choices = _choices(rooms, "Any room")
        self.fields["location"].choices = _choices(locations, "Any location")
        self.is_valid()

    def full_clean(self):
        # Filters keep working while a bad value is ignored: no red fields on a list.
        forms.Form.full_clean(self)

    def value(self, name):
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


class SessionForm(StyledFormMixin, forms.Form):
    """A new session or a weekly series, or the edit of one (then without the repeat part)."""

    kind = forms.ChoiceField(label="Kind", choices=Kind.choices, initial=Kind.CLASS)
    class_type = forms.TypedChoiceField(
        label="Class type",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Sets the title, length and capacity unless you give your own.",
    )
    title = forms.CharField(label="Title", required=False, max_length=120)
    trainer = forms.TypedChoiceField(label="Trainer", coerce=int)
    room = forms.TypedChoiceField(label="Room", required=False, coerce=int, empty_value=None)
    location = forms.TypedChoiceField(
        label="Location",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="For a session without a room (online or outdoors).",
    )
    video_url = forms.URLField(
        label="Video link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="For an online session.",
    )
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", required=False, min_value=5, max_value=24 * 60
    )
    capacity = forms.IntegerField(
        label="Capacity", required=False, min_value=1, max_value=MAX_CAPACITY
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    repeat = forms.BooleanField(label="Repeat every week", required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        required=False,
        coerce=int,
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(
        label="Or a number of sessions", required=False, min_value=1, max_value=MAX_OCCURRENCES
    )
    scope = forms.ChoiceField(
        label="Change", choices=SCOPE_CHOICES, initial=THIS, widget=forms.RadioSelect
    )

    def __init__(
        self,
        data=None,
        *,
        trainers,
        rooms,
        locations,
        class_types,
        editing: bool = False,
        in_series: bool = False,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.trainers, self.rooms = list(trainers), list(rooms)
        self.locations, self.class_types = list(locations), list(class_types)
        self.fields["trainer"].choices = _choices(self.trainers)
        self.fields["room"].choices = _choices(self.rooms, "No room")
        self.fields["location"].choices = _choices(self.locations, "—")
        self.fields["class_type"].choices = _choices(self.class_types, "None")
        self.editing = editing
        if editing:
            for name in ("kind", "repeat", "weekdays", "until", "count"):
                del self.fields[name]
            self.fields["class_type"].help_text = ""
        if not in_series:
            del self.fields["scope"]

    @property
    def class_type_presets(self) -> dict:
        """Each class type's length and capacity, for the page to fill the fields in."""
        return {
            str(t.pk): {"duration": t.duration_minutes, "capacity": t.capacity, "title": t.name}
            for t in self.class_types
        }

    def clean(self):
        data = super().clean()
        if data.get("repeat"):
            if not data.get("weekdays"):
                self.add_error("weekdays", "Choose at least one weekday.")
            if data.get("until") and data.get("count"):
                self.add_error("count", "Give an end date or a number of sessions, not both.")
            elif not data.get("until") and not data.get("count"):
                self.add_error("until", "Give either an end date or a number of sessions.")
        return data

    def objects(self) -> dict:
        """The chosen trainer, room, location and class type as objects (None if not chosen)."""
        data = self.cleaned_data
        found = {
            "trainer": _pick(self.trainers, data.get("trainer")),
            "room": _pick(self.rooms, data.get("room")),
            "location": _pick(self.locations, data.get("location")),
            "class_type": _pick(self.class_types, data.get("class_type")),
        }
        if data.get("trainer") and found["trainer"] is None:
            self.add_error("trainer", "Choose one of the trainers.")
        return found


class CancelSessionForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason (told to the booked clients)", required=False, max_length=200
    )
    scope = forms.ChoiceField(
        label="Cancel", choices=SCOPE_CHOICES, initial=THIS, widget=forms.RadioSelect
    )

    def __init__(self, data=None, *, in_series: bool):
        super().__init__(data)
        if not in_series:
            del self.fields["scope"]


class BookClientForm(StyledFormMixin, forms.Form):
    client = forms.TypedChoiceField(label="Client", coerce=int)

    def __init__(self, data=None, *, clients):
        super().__init__(data)
        self.clients = list(clients)
        self.fields["client"].choices = [("", "Choose a client")] + [
            (c.pk, c.full_name) for c in self.clients
        ]
        self.fields["client"].error_messages["invalid_choice"] = (
            "Choose one of the clients you may book."
        )


# --- Setup ---------------------------------------------------------------------------------


class LocationForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    address = forms.CharField(label="Address", required=False, max_length=300)


class RoomForm(StyledFormMixin, forms.Form):
    location = forms.TypedChoiceField(label="Location", coerce=int)
    name = forms.CharField(label="Name", max_length=100)
    capacity = forms.IntegerField(label="Capacity", min_value=1, max_value=MAX_CAPACITY)

    def __init__(self, data=None, *, locations, editing: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        self.locations = list(locations)
        self.fields["location"].choices = _choices(self.locations)
        if editing:
            # A room stays where it is built; only its name and capacity change.
            del self.fields["location"]

    def chosen_location(self):
        return _pick(self.locations, self.cleaned_data.get("location"))


class ClassTypeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    duration_minutes = forms.IntegerField(
        label="Default length (minutes)", min_value=5, max_value=24 * 60, initial=60
    )
    capacity = forms.IntegerField(
        label="Default capacity", min_value=1, max_value=MAX_CAPACITY, initial=12
    )
    colour = forms.RegexField(
        label="Calendar colour",
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#3d6bb3",
        error_messages={"invalid": "Use a colour like #1f8a70."},
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    access = forms.ChoiceField(
        label="Who can book",
        choices=Access.choices,
        initial=Access.OPEN,
        help_text="Members, or a credit: clients need an active membership or a class credit.",
    )


def _offsets_text(minutes: list[int]) -> str:
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in minutes)


class PolicyForm(StyledFormMixin, forms.Form):
    late_cancel_hours = forms.IntegerField(
        label="Late-cancel window (hours before the start)",
        min_value=0,
        max_value=14 * 24,
        help_text="A client who cancels later than this is recorded as a late cancel.",
    )
    reminder_offsets = forms.CharField(
        label="Reminders before each session",
        required=False,
        max_length=100,
        help_text=(
            f"Up to {MAX_REMINDERS}, separated by commas: 24h, 1h, 30m. Leave empty to send none."
        ),
    )
    client_booking_days = forms.IntegerField(
        label="Clients may book up to (days ahead)", min_value=1, max_value=365
    )
    self_booking_notice_hours = forms.IntegerField(
        label="Notice for a self-booked session (hours)", min_value=0, max_value=14 * 24
    )
    self_booking_minutes = forms.IntegerField(
        label="Length of a self-booked session (minutes)", min_value=15, max_value=240
    )

    @classmethod
    def initial_for(cls, policy: SchedulingSettings) -> dict:
        return {
            "late_cancel_hours": policy.late_cancel_hours,
            "reminder_offsets": _offsets_text(policy.reminder_offsets or []),
            "client_booking_days": policy.client_booking_days,
            "self_booking_notice_hours": policy.self_booking_notice_hours,
            "self_booking_minutes": policy.self_booking_minutes,
        }

    def clean_reminder_offsets(self) -> list[int]:
        """'24h, 1h, 30m' (or bare minutes) into minutes before the start."""
        text = self.cleaned_data.get("reminder_offsets") or ""
        minutes = []
        for part in (p.strip().lower().replace(" ", "") for p in text.split(",")):
            if not part:
                continue
            unit = part[-1] if part[-1] in "hmd" else "m"
            number = part[:-1] if part[-1] in "hmd" else part
            if not number.isdigit():
                raise forms.ValidationError(
                    f"“{part}” is not a time before the start: write e.g. 24h, 1h or 30m."
                )
            minutes.append(int(number) * {"m": 1, "h": 60, "d": 24 * 60}[unit])
        return minutes
