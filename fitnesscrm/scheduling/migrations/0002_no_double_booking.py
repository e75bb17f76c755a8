"""On PostgreSQL, the database itself keeps a trainer or a room out of two sessions at once.

An exclusion constraint over the time range of every session that is not cancelled:
two such sessions of the same trainer (or in the same room) may touch end to start
but never overlap. Ranges are half-open, `[start, end)`. On SQLite the services
check the same rule (fitnesscrm.scheduling.services.conflicts).
"""

from django.db import migrations

CONSTRAINTS = {
    "session_trainer_no_overlap": "trainer_id",
    "session_room_no_overlap": "room_id",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # btree_gist lets one GiST index hold the equality on the id and the range overlap.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduling_session ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (status <> 'cancelled' AND {column} IS NOT NULL)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduling_session DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
