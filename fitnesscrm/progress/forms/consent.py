"""Recording and withdrawing consent to health data, and the unit system setting."""

from django import forms

from fitnesscrm.clients.consent import STAFF_METHODS
from fitnesscrm.clients.models import ConsentMethod
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.progress.models import UnitSystem


class StaffConsentForm(StyledFormMixin, forms.Form):
    method = forms.ChoiceField(
        label="How the client agreed",
        choices=[(m.value, m.label) for m in ConsentMethod if m in STAFF_METHODS],
    )
    confirm = forms.BooleanField(
        label="The client agreed to the wording above.",
        error_messages={"required": "Tick the box to confirm the client agreed."},
    )


class PortalConsentForm(StyledFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label="I agree",
        error_messages={"required": "Tick “I agree” to give your consent."},
    )


class WithdrawForm(StyledFormMixin, forms.Form):
    delete_data = forms.BooleanField(
        label="Also erase the measurements, progress photos, body goals and health notes",
        required=False,
    )


class UnitSettingsForm(StyledFormMixin, forms.Form):
    unit_system = forms.ChoiceField(
        label="Units", choices=UnitSystem.choices, widget=forms.RadioSelect
    )
