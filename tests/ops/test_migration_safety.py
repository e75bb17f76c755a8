"""Migrations a rolling deploy survives: no one-step drops or renames, no bare NOT NULL adds."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import migrations, models

from fitnesscrm.ops.migration_safety import RELEASED_BEFORE_RULE, check_migration, unsafe_operations


def migration(*operations, initial=False) -> migrations.Migration:
    cls = type("Migration", (migrations.Migration,), {"operations": list(operations)})
    cls.initial = initial
    return cls("0099_change", "clients")


def test_every_migration_of_the_project_is_safe_for_a_rolling_deploy(capsys):
    call_command("migrations_check")
    assert "Every migration is safe" in capsys.readouterr().out


def test_the_migrations_released_before_the_rule_are_exactly_the_ones_it_would_refuse():
    refused = {(f.app_label, f.migration) for f in unsafe_operations(ignore_released=False)}
    assert refused == RELEASED_BEFORE_RULE


@pytest.mark.parametrize(
    "operation",
    [
        migrations.RemoveField("client", "city"),
        migrations.RenameField("client", "city", "town"),
        migrations.DeleteModel("Tag"),
        migrations.RenameModel("Tag", "Label"),
    ],
    ids=["remove field", "rename field", "delete model", "rename model"],
)
def test_a_drop_or_rename_in_one_step_is_refused(operation):
    [finding] = check_migration(migration(operation))
    assert "drops or renames in one step" in finding.reason
    assert str(finding).startswith("clients.0099_change: ")


def test_a_not_null_column_with_only_a_python_default_is_refused():
    add = migrations.AddField("client", "level", models.IntegerField(default=0))
    [finding] = check_migration(migration(add))
    assert "NOT NULL column without a database default" in finding.reason


@pytest.mark.parametrize(
    "field",
    [models.IntegerField(null=True), models.IntegerField(db_default=0)],
    ids=["nullable", "database default"],
)
def test_a_column_the_previous_release_can_ignore_is_accepted(field):
    assert check_migration(migration(migrations.AddField("client", "level", field))) == []


def test_the_two_steps_of_a_drop_are_accepted_each_in_its_own_release():
    stop_using = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField("client", "city")]
    )
    drop = migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RemoveField("client", "city")]
    )
    assert check_migration(migration(stop_using)) == []
    assert check_migration(migration(drop)) == []


def test_columns_of_a_table_created_in_the_same_migration_are_accepted():
    create = migrations.CreateModel("Badge", [("id", models.AutoField(primary_key=True))])
    add = migrations.AddField(
        "badge", "client", models.ForeignKey("clients.Client", models.CASCADE)
    )
    assert check_migration(migration(create, add)) == []


def test_a_new_apps_first_migration_is_accepted_whatever_it_holds():
    add = migrations.AddField("client", "level", models.IntegerField())
    assert check_migration(migration(add, initial=True)) == []


def test_the_command_fails_and_names_each_unsafe_migration(monkeypatch, capsys):
    from fitnesscrm.ops import migration_safety

    monkeypatch.setattr(migration_safety, "RELEASED_BEFORE_RULE", frozenset())
    with pytest.raises(CommandError, match="2 migration operation"):
        call_command("migrations_check")
    assert "scheduling.0004_classtype_access: Add field access" in capsys.readouterr().err
