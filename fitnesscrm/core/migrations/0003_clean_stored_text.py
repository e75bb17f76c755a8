"""Text stored before core/stored_text.py refused control and hidden characters.

Rows written earlier (an imported name with a tab, a title with a right-to-left
override) would otherwise be refused the next time anything saves them. Each text
column is searched in the database for the characters refused there; only the rows
found are changed: one-line columns as core.text.one_line() makes them, other columns
without their control characters.
"""

from django.db import IntegrityError, migrations, models, transaction

from fitnesscrm.core.stored_text import FREE_SYSTEM_TEXT, MULTI_LINE_CHARFIELDS
from fitnesscrm.core.text import one_line

APPS = (
    "core",
    "accounts",
    "clients",
    "trainers",
    "scheduling",
    "billing",
    "training",
    "progress",
    "privacy",
    "ops",
)
# Refused everywhere: C0 and C1 control characters but tab and line breaks (NUL cannot be
# stored by PostgreSQL at all, and is not searched for).
CONTROL = "".join(chr(c) for c in (*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))
CONTROL += "".join(chr(c) for c in range(0x7F, 0xA0))
# Refused in one line as well: line breaks, tabs and the invisible formatting characters.
ONE_LINE = CONTROL + "\t\n\r\u2028\u2029\u00ad\u061c\u180e\u200b\u200e\u200f\ufeff"
ONE_LINE += "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2060, 0x2065)))
ONE_LINE += "".join(chr(c) for c in (*range(0x2066, 0x206A), *range(0xFFF9, 0xFFFC)))
# Columns with the rules of core/stored_text.py as this release has them.
FREE = FREE_SYSTEM_TEXT | MULTI_LINE_CHARFIELDS


def _without_control(value: str) -> str:
    return "".join(ch for ch in value if ch in "\t\n\r" or ch not in CONTROL)


def _character_class(chars: str) -> str:
    return "[" + "".join(f"\\{ch}" if ch in "]\\^-[" else ch for ch in chars) + "]"


def clean(apps, schema_editor):
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.TextField):
                    single = False
                elif isinstance(field, models.CharField):
                    key = (model._meta.app_label, model._meta.model_name, field.name)
                    single = key not in FREE
                else:
                    continue
                refused = ONE_LINE if single else CONTROL
                fix = one_line if single else _without_control
                found = model._default_manager.filter(
                    **{f"{field.attname}__regex": _character_class(refused)}
                ).values_list("pk", field.attname)
                for pk, value in list(found):
                    cleaned = fix(value).strip() if single else fix(value)
                    if cleaned == value:
                        continue
                    try:
                        with transaction.atomic():
                            model._default_manager.filter(pk=pk).update(
                                **{field.attname: cleaned}
                            )
                    except IntegrityError:
                        pass  # the cleaned text is taken ("VIP" besides "VIP\u200b"): kept


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_idempotent_request"),
        ("accounts", "0004_api_key_scopes"),
        ("clients", "0008_marketing_consent_kinds"),
        ("trainers", "0001_initial"),
        ("scheduling", "0004_classtype_access"),
        ("billing", "0002_membership_pending"),
        ("training", "0002_exercise_library"),
        ("progress", "0002_initial"),
        ("privacy", "0001_initial"),
        ("ops", "0001_initial"),
    ]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop, elidable=True)]
