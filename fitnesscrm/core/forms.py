from django import forms

from fitnesscrm.core.forms_rendering import StyledFormMixin


class AuditFilterForm(StyledFormMixin, forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, max_length=254, label="Actor email contains")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in actions]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data
