"""Forms of the exercise library: the search and filters, and an exercise of the business's own."""

from django import forms

from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.training.models import Category, Exercise, Level, Tracking
from fitnesscrm.training.selectors.exercises import (
    MAX_QUERY_LENGTH,
    equipment_list,
    muscle_group_list,
)
from fitnesscrm.training.services.exercises import IMAGE_MAX_BYTES

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class ExerciseFilterForm(StyledFormMixin, forms.Form):
    """GET parameters of the library page; a value that is not one of the choices is ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Exercise name", "autocomplete": "off"}
        ),
    )
    muscle = forms.ChoiceField(label="Muscle", required=False)
    equipment = forms.ChoiceField(label="Equipment", required=False)
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any category"), *Category.choices]
    )
    level = forms.ChoiceField(
        label="Level", required=False, choices=[("", "Any level"), *Level.choices]
    )

    def __init__(self, *args, muscles=None, equipment=None, **kwargs):
        super().__init__(*args, **kwargs)
        muscles = muscles if muscles is not None else muscle_group_list()
        equipment = equipment if equipment is not None else equipment_list()
        self.fields["muscle"].choices = [("", "Any muscle")] + [(m.slug, m.name) for m in muscles]
        self.fields["equipment"].choices = [("", "Any equipment")] + [
            (e.slug, e.name) for e in equipment
        ]
        self.is_valid()

    def filters(self) -> dict:
        """The selector's keyword arguments: each valid filter, blank for the others."""
        return {
            name: (self.cleaned_data.get(name) or "") if name not in self.errors else ""
            for name in ("q", "muscle", "equipment", "category", "level")
        }


class ExerciseForm(StyledFormMixin, forms.ModelForm):
    """One of the business's own exercises; the service checks the rules."""

    # The service checks the link (http or https only) and says so at the field.
    video_url = forms.CharField(
        label="Video link",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text="A link to a demonstration video (http:// or https://).",
    )
    # The service reads the picture by its content (JPEG, PNG or WebP).
    image = forms.FileField(
        label="Image",
        required=False,
        widget=forms.FileInput(attrs={"accept": IMAGE_TYPES}),
        help_text=f"JPEG, PNG or WebP, up to {IMAGE_MAX_BYTES // (1024 * 1024)} MB.",
    )
    remove_image = forms.BooleanField(label="Remove the current image", required=False)

    class Meta:
        model = Exercise
        fields = [
            "name",
            "category",
            "level",
            "tracking",
            "primary_muscles",
            "secondary_muscles",
            "equipment",
            "instructions",
        ]
        widgets = {
            "primary_muscles": forms.CheckboxSelectMultiple,
            "secondary_muscles": forms.CheckboxSelectMultiple,
            "equipment": forms.CheckboxSelectMultiple,
            "instructions": forms.Textarea(attrs={"rows": 6}),
        }
        error_messages = {
            "name": {"required": "Enter the exercise's name."},
            "primary_muscles": {"required": "Choose at least one primary muscle group."},
        }
        help_texts = {
            "instructions": "Short numbered steps work best: 1. … 2. …",
            "tracking": "What each set records in programs and workout logs.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_muscles"].queryset = muscle_group_list()
        self.fields["secondary_muscles"].queryset = muscle_group_list()
        self.fields["equipment"].queryset = equipment_list()
        self.fields["category"].choices = Category.choices
        self.fields["level"].choices = Level.choices
        self.fields["tracking"].choices = Tracking.choices
        if not (self.instance.pk and self.instance.image):
            del self.fields["remove_image"]

    def _post_clean(self):
        # The service validates and saves; the model's own checks (the unique name) are its job.
        pass

    def service_fields(self) -> dict:
        """The cleaned values as the service's keyword arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "category": data["category"],
            "level": data["level"],
            "tracking": data["tracking"],
            "primary_muscles": list(data["primary_muscles"]),
            "secondary_muscles": list(data["secondary_muscles"]),
            "equipment": list(data["equipment"]),
            "instructions": data.get("instructions") or "",
            "video_url": data.get("video_url") or "",
        }
