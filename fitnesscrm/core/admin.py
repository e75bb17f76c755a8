"""The Django admin's base classes: the stored-text rule at the field, as on every page.

The database guard (core.stored_text) refuses text with control characters, and
one-line text with line breaks or invisible formatting characters, on every save.
The admin saves models directly, so without this its forms would pass such text
on and the guard's refusal would end the request with an error page. These forms
apply the same rule, column by column, as validators: the owner sees the form
again with the message at the field, and nothing is saved.

Every ModelAdmin and inline of the project derives from these classes; a test
checks that none is registered without them.
"""

from django import forms
from django.contrib import admin

from fitnesscrm.core.stored_text import text_columns
from fitnesscrm.core.text import add_text_validator


class StoredTextForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, single_line in text_columns(self._meta.model):
            field = self.fields.get(name)
            if field is not None:
                add_text_validator(field, single_line=single_line)


class ModelAdmin(admin.ModelAdmin):
    form = StoredTextForm


class TabularInline(admin.TabularInline):
    form = StoredTextForm
