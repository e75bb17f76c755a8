"""Migrations that would break the release still running during a rolling deploy.

While new pods roll out, pods of the previous release keep serving requests against
the migrated database. So a migration may only change the schema in ways the previous
release's code still works with:

- dropping a column or table, or renaming one, takes two releases: first a release
  whose code no longer uses it (the model change wrapped in
  `SeparateDatabaseAndState(state_operations=[...])`, no database change), then a later
  release that drops it (`SeparateDatabaseAndState(database_operations=[...])`);
- a new NOT NULL column needs a database default (`db_default=`), because the
  previous release inserts rows without it (Django's `default=` is applied by the
  new code only).

`unsafe_operations()` lists the migrations that do otherwise; `fitnesscrm
migrations_check` prints them and fails, and the test suite runs it on every
migration. Migrations released before this rule are listed in `RELEASED_BEFORE_RULE`.
"""

from dataclasses import dataclass

from django.db import migrations
from django.db.migrations.loader import MigrationLoader

# Migrations shipped before the rule was checked; each is kept as it was released.
RELEASED_BEFORE_RULE = frozenset(
    {
        # NOT NULL columns added with a Python default only.
        ("clients", "0005_clientimport_heartbeat_purged"),
        ("scheduling", "0004_classtype_access"),
    }
)

# Operations that change the schema under the previous release in one step.
_DROPS_OR_RENAMES = (
    migrations.RemoveField,
    migrations.RenameField,
    migrations.DeleteModel,
    migrations.RenameModel,
)


@dataclass(frozen=True)
class Finding:
    app_label: str
    migration: str
    operation: str
    reason: str

    def __str__(self) -> str:
        return f"{self.app_label}.{self.migration}: {self.operation}: {self.reason}"


def _why_unsafe(operation) -> str | None:
    if isinstance(operation, _DROPS_OR_RENAMES):
        return (
            "drops or renames in one step; first release the code without it "
            "(SeparateDatabaseAndState, state only), drop it in a later release"
        )
    if isinstance(operation, migrations.AddField):
        field = operation.field
        if not field.null and not field.has_db_default() and not field.many_to_many:
            return (
                "adds a NOT NULL column without a database default; the previous "
                "release's inserts would fail (use db_default= or null=True)"
            )
    return None


def check_migration(migration: migrations.Migration) -> list[Finding]:
    """What in one migration a rolling deploy cannot survive (nothing for a new app's first)."""
    if migration.initial:
        # A new app's first migrations: no earlier release has code that uses it.
        return []
    app_label, name, operations = migration.app_label, migration.name, migration.operations
    findings = []
    # Tables this migration creates: the previous release never touches them.
    created = {
        operation.name_lower
        for operation in operations
        if isinstance(operation, migrations.CreateModel)
    }
    for operation in operations:
        if getattr(operation, "model_name_lower", None) in created:
            continue
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            # Either step of a two-step change, written out on purpose: state only
            # (the code stops using a column) or database only (a later release drops it).
            continue
        reason = _why_unsafe(operation)
        if reason:
            findings.append(Finding(app_label, name, operation.describe(), reason))
    return findings


def unsafe_operations(*, ignore_released: bool = True) -> list[Finding]:
    """Every operation of our apps' migrations that a rolling deploy cannot survive."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=False)
    loader.load_disk()
    findings = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if not type(migration).__module__.startswith("fitnesscrm."):
            continue
        if ignore_released and (app_label, name) in RELEASED_BEFORE_RULE:
            continue
        findings.extend(check_migration(migration))
    return findings
