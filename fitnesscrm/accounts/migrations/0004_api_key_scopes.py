"""API keys gain scopes and an optional expiry; keys made before keep full access."""

from django.db import migrations, models

# Every scope as it stood when keys gained scopes; frozen here, as migrations must be.
FULL_ACCESS = [
    f"{area}:{level}"
    for area in ("account", "clients", "trainers", "scheduling", "billing", "training", "progress")
    for level in ("read", "write")
]


def give_existing_keys_full_access(apps, schema_editor):
    apps.get_model("accounts", "ApiKey").objects.update(scopes=FULL_ACCESS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(
                blank=True,
                db_default=models.Value([], models.JSONField()),
                default=list,
                verbose_name="scopes",
            ),
        ),
        migrations.RunPython(give_existing_keys_full_access, migrations.RunPython.noop),
    ]
