from collections.abc import Sequence

from django import forms

from fitnesscrm.clients.models import Client, ConsentKind, ConsentMethod
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.privacy.models import RequestKind


class EraseForm(StyledFormMixin, forms.Form):
    confirmation = forms.CharField(
        label="Type the client's full name, or ERASE, to confirm", max_length=200
    )


def _client_choice_label(client: Client) -> str:
    contact = client.email or client.phone or f"client #{client.pk}"
    archived = " (archived)" if client.archived_at else ""
    return f"{client.full_name} · {contact}{archived}"


class RequestForm(StyledFormMixin, forms.Form):
    """Who the request is from: found by the client search, chosen among matches if several.

    `matches` are the clients the typed text finds (at most MAX_CHOICES + 1 are
    needed). The choice of one of them appears only when the text finds several.
    """

    MAX_CHOICES = 10

    client = forms.CharField(
        label="Client",
        max_length=200,
        help_text="Name, email or phone, as in the client list's search.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    client_id = forms.TypedChoiceField(
        label="Which client?", coerce=int, required=False, widget=forms.RadioSelect
    )
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

    def __init__(self, *args, matches: Sequence[Client] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.matches = list(matches)
        if 1 < len(self.matches) <= self.MAX_CHOICES or self.initial.get("client_id"):
            self.fields["client_id"].choices = [
                (client.pk, _client_choice_label(client)) for client in self.matches
            ]
        else:
            del self.fields["client_id"]

    def clean(self):
        data = super().clean()
        # A choice among earlier matches that the typed text no longer finds is not an
        # error of its own: what the text finds now decides.
        self.errors.pop("client_id", None)
        typed = data.get("client")
        if not typed:
            return data
        by_pk = {client.pk: client for client in self.matches}
        if data.get("client_id") in by_pk:
            data["client_record"] = by_pk[data["client_id"]]
        elif len(self.matches) == 1:
            data["client_record"] = self.matches[0]
        elif not self.matches:
            self.add_error("client", f"No client matches “{typed}”.")
        elif len(self.matches) > self.MAX_CHOICES:
            self.add_error(
                "client",
                f"More than {self.MAX_CHOICES} clients match “{typed}”: "
                "type more of the name, or the email.",
            )
        else:
            self.add_error("client_id", f"{len(self.matches)} clients match “{typed}”: choose one.")
        return data


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
