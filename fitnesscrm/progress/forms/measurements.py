"""The measurement form: each measure labelled in the business's units, converted to metric."""

from django import forms
from django.utils import timezone

from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.progress.models.measurements import LIMITS, VALUE_FIELDS
from fitnesscrm.progress.units import INTEGER_FIELDS, UnitError, Units, form_value, to_metric

# The form's sections, in order.
GROUPS = [
    ("Body", ["weight_kg", "height_cm", "body_fat_pct", "muscle_mass_kg"]),
    ("Heart", ["resting_hr", "bp_systolic", "bp_diastolic"]),
    ("Circumferences", ["chest_cm", "waist_cm", "hips_cm", "arm_cm", "thigh_cm", "calf_cm"]),
]
SHORT_LABELS = {
    "bp_systolic": "Blood pressure, systolic",
    "bp_diastolic": "Blood pressure, diastolic",
}


class MeasurementForm(StyledFormMixin, forms.Form):
    measured_on = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date of the measurement."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units: Units, measurement=None, **kwargs):
        self.units = units
        if measurement is not None:
            kwargs.setdefault(
                "initial",
                {
                    "measured_on": measurement.measured_on,
                    "notes": measurement.notes,
                    **{
                        name: form_value(name, getattr(measurement, name), units.system)
                        for name in VALUE_FIELDS
                    },
                },
            )
        else:
            kwargs.setdefault("initial", {"measured_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        for name in VALUE_FIELDS:
            label = SHORT_LABELS.get(name, LIMITS[name][0])
            unit = units.unit(name)
            self.fields[name] = forms.CharField(
                label=f"{label} ({unit})",
                required=False,
                max_length=20,
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "numeric" if name in INTEGER_FIELDS else "decimal",
                        "autocomplete": "off",
                    }
                ),
            )
            widget = self.fields[name].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} form-control".strip()
        self.fields["notes"].widget.attrs.pop("maxlength", None)

    def clean(self):
        data = super().clean()
        self.metric_values = {}
        for name in VALUE_FIELDS:
            try:
                self.metric_values[name] = to_metric(name, data.get(name), self.units.system)
            except UnitError as exc:
                self.add_error(name, str(exc))
        return data

    def groups(self):
        for title, names in GROUPS:
            yield title, [self[name] for name in names]
