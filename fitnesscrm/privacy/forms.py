from collections.abc import Callable, Sequence

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

    `find(text, chosen_id)` returns the clients the typed text finds (at most
    MAX_CHOICES + 1 are needed; only the chosen one if it is among them). It runs once
    the text has passed the field's checks. The choice between matches appears only
    when the text finds several; `matches` offers one from the start (a form filled in
    for a client).
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

    def __init__(
        self,
        *args,
        find: Callable[[str, str | None], Sequence[Client]] | None = None,
        matches: Sequence[Client] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.find = find
        if matches or not self.is_bound:
            # A bound form keeps the field until clean() knows what the text finds.
            self._offer(matches)

    def _offer(self, matches: Sequence[Client]) -> None:
        """Show the choice between `matches`, or no choice at all."""
        if matches and len(matches) <= self.MAX_CHOICES:
            self.fields["client_id"].choices = [
                (client.pk, _client_choice_label(client)) for client in matches
            ]
        else:
            self.fields.pop("client_id", None)

    def clean(self):
        data = super().clean()
        # The choice is checked against what the text finds now, below: a choice among
        # earlier matches that the text no longer finds is not an error of its own.
        self.errors.pop("client_id", None)
        typed = data.get("client")
        matches = list(self.find(typed, self.data.get("client_id"))) if typed and self.find else []
        self._offer(matches if len(matches) > 1 else ())
        if not typed:
            return data
        if len(matches) == 1:
            data["client_record"] = matches[0]
        elif not matches:
            self.add_error("client", f"No client matches “{typed}”.")
        elif len(matches) > self.MAX_CHOICES:
            self.add_error(
                "client",
                f"More than {self.MAX_CHOICES} clients match “{typed}”: "
                "type more of the name, or the email.",
            )
        else:
            self.add_error("client_id", f"{len(matches)} clients match “{typed}”: choose one.")
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
