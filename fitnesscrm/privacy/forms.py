from django import forms

from fitnesscrm.clients.models import ConsentKind, ConsentMethod
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.privacy.models import RequestKind


class EraseForm(StyledFormMixin, forms.Form):
    confirmation = forms.CharField(
        label="Type the client's full name, or ERASE, to confirm", max_length=200
    )


class RequestForm(StyledFormMixin, forms.Form):
    client_id = forms.IntegerField(label="Client number", min_value=1)
    kind = forms.ChoiceField(label="Request", choices=RequestKind.choices)
    received_on = forms.DateField(
        label="Received on",
        required=False,
        help_text="Leave empty for today.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        label="Notes (what was done; no personal data)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PortalRequestForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What would you like us to do?",
        choices=[
            (RequestKind.ERASURE, "Erase my personal data"),
            (RequestKind.RECTIFICATION, "Correct my personal data"),
            (RequestKind.OBJECTION, "Stop using my data for some purpose"),
        ],
    )


class MarketingConsentForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Consent",
        choices=[
            (ConsentKind.EMAIL_MARKETING, ConsentKind.EMAIL_MARKETING.label),
            (ConsentKind.SMS_MARKETING, ConsentKind.SMS_MARKETING.label),
        ],
    )
    granted = forms.TypedChoiceField(
        label="Decision",
        choices=[("yes", "Given"), ("no", "Withdrawn")],
        coerce=lambda value: value == "yes",
    )
    method = forms.ChoiceField(
        label="How",
        choices=[
            (ConsentMethod.IN_PERSON, ConsentMethod.IN_PERSON.label),
            (ConsentMethod.WRITTEN, ConsentMethod.WRITTEN.label),
        ],
    )
