"""Forms of progress photos: the upload (from a phone's camera) and the choice of two dates."""

from django import forms
from django.utils import dateformat, timezone

from fitnesscrm.core.forms import StyledFormMixin
from fitnesscrm.progress.models import Pose
from fitnesscrm.progress.services.photos import NOTES_MAX_LENGTH


class PhotoUploadForm(StyledFormMixin, forms.Form):
    """The file is checked by its content in the service; here only that one was chosen."""

    file = forms.FileField(
        label="Photo",
        help_text="A JPEG, PNG or WebP photo, at most 10 MB.",
        error_messages={
            "required": "Choose a photo to upload.",
            "empty": "This file is empty: choose a photo.",
            "invalid": "Choose a photo to upload.",
        },
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    pose = forms.ChoiceField(label="Pose", choices=Pose.choices, initial=Pose.FRONT)
    taken_on = forms.DateField(
        label="Date taken",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date the photo was taken."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["taken_on"].initial = today
        self.fields["taken_on"].widget.attrs["max"] = today.isoformat()


class CompareForm(StyledFormMixin, forms.Form):
    """Two of the dates a client has photos of (a GET form)."""

    first = forms.DateField(
        label="Earlier date",
        widget=forms.Select,
        error_messages={"invalid": "Choose a date from the list."},
    )
    second = forms.DateField(
        label="Later date",
        widget=forms.Select,
        error_messages={"invalid": "Choose a date from the list."},
    )

    def __init__(self, *args, dates: list, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(d.day.isoformat(), dateformat.format(d.day, "j M Y")) for d in dates]
        for name in ("first", "second"):
            self.fields[name].widget.choices = choices
        self.days = {d.day for d in dates}

    def clean(self):
        data = super().clean()
        for name in ("first", "second"):
            day = data.get(name)
            if day is not None and day not in self.days:
                self.add_error(name, "There are no photos of this date.")
        return data
