"""Forms of the CSV import: the upload, the column mapping and the choice of rows to import."""

from django import forms

from fitnesscrm.clients.imports import files
from fitnesscrm.clients.models import ImportMode
from fitnesscrm.core.forms_rendering import StyledFormMixin


class ImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"A spreadsheet saved as CSV, up to {files.MAX_FILE_BYTES // 1024 // 1024} MB and "
            f"{files.MAX_ROWS:,} rows. The first row holds the column names."
        ),
        error_messages={
            "required": "Choose the CSV file to import.",
            "empty": "The file is empty.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    encoding = forms.ChoiceField(
        label="Encoding",
        choices=files.ENCODING_CHOICES,
        initial=files.UTF8,
        help_text="How the file's letters are stored. Keep UTF-8 unless you are told otherwise.",
    )


class ImportMappingForm(StyledFormMixin, forms.Form):
    """One select per column of the file: the client field it fills, or ignore."""

    def __init__(self, *args, headers: list[str], choices, initial_mapping: dict[str, str], **kw):
        super().__init__(*args, **kw)
        options = [("", "— ignore —"), *choices]
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=options,
                required=False,
                initial=initial_mapping.get(str(index), ""),
            )
            # Added after StyledFormMixin styled the fields, so styled here.
            self.fields[f"col_{index}"].widget.attrs.update(
                {"class": "form-select", "aria-label": f"Field for “{header}”"}
            )

    def mapping(self) -> dict[int, str]:
        return {
            int(name.removeprefix("col_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }

    def rows(self, preview: list[list[str]]):
        """(bound field, sample values) for each column, for the mapping table."""
        for index, name in enumerate(self.fields):
            samples = [row[index] for row in preview if index < len(row) and row[index]]
            yield self[name], samples


class ImportCommitForm(forms.Form):
    mode = forms.ChoiceField(choices=ImportMode.choices)
