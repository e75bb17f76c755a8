"""Forms rendered with Bootstrap classes and errors at the field, for every form."""

from pathlib import Path

import django.forms
from django import forms
from django.forms.renderers import TemplatesSetting
from django.template.backends.jinja2 import Jinja2
from django.utils.functional import cached_property

from fitnesscrm.core.text import add_text_validator

WIDGET_TEMPLATES = "django/forms/widgets/"


class FormRenderer(TemplatesSetting):
    """Our field and form templates; Django's own widget templates in their Jinja2 form.

    A select renders one template per option (and one more for its attributes): the
    filters of the client list are over a hundred of them. Django ships each widget
    template for Jinja2 as well, which renders them four times faster; the HTML is the
    same.
    """

    field_template_name = "forms/field.html"

    @cached_property
    def widget_engine(self) -> Jinja2:
        return Jinja2(
            {
                "NAME": "widgets",
                "DIRS": [Path(django.forms.__file__).parent / "jinja2"],
                "APP_DIRS": False,
                "OPTIONS": {},
            }
        )

    def get_template(self, template_name):
        if template_name.startswith(WIDGET_TEMPLATES):
            return self.widget_engine.get_template(template_name)
        return super().get_template(template_name)


class StyledFormMixin:
    """Adds Bootstrap's classes to each widget, and marks fields that have errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if isinstance(field, forms.CharField) and not isinstance(widget, forms.PasswordInput):
                # A text box is one line: no line break (an email header), no
                # right-to-left override (a disguised name), no control character.
                multi_line = isinstance(widget, forms.Textarea)
                add_text_validator(field, single_line=not multi_line)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
