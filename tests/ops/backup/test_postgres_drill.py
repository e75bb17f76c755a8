"""The disaster-recovery drill on a real PostgreSQL server: seed, back up, destroy the
database, restore, and prove that every table's row count and the key tables' contents
are as they were. Each test works on databases of its own (fcrm_backup_drill_*)."""

from pathlib import Path

import psycopg

from fitnesscrm.ops.backup.database import Postgres
from tests.ops.backup.conftest import (
    POSTGRES_ONLY,
    admin_connect,
    databases_like,
    fitnesscrm,
    manifest_of,
    ok,
    pg_fingerprint,
    rebuild_set,
    script,
    sets_in,
)

pytestmark = POSTGRES_ONLY


def test_the_drill_backup_drop_restore_gives_back_every_row(pg_app):
    name = pg_app["DRILL_DATABASE"]
    before = pg_fingerprint(name)
    assert before["counts"]["clients_client"] >= 300
    assert before["counts"]["billing_payment"] > 0

    backup = ok(script(pg_app, "backup-database.sh"))

    assert "Backup succeeded" in backup.stdout
    backups = Path(pg_app["DATA_DIR"]) / "backups"
    [set_file] = sets_in(backups)
    manifest = manifest_of(backups / set_file)
    assert manifest["database"]["vendor"] == "postgresql"
    assert manifest["row_counts"] == before["counts"]
    # The scratch database of the verification is gone.
    assert databases_like(name) == [name]

    with admin_connect() as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    media = Path(pg_app["DATA_DIR"]) / "media"
    (media / "progress" / "front.jpg").unlink()

    restore = ok(script(pg_app, "restore-database.sh", "--yes"))

    assert "Restore succeeded" in restore.stdout
    assert pg_fingerprint(name) == before
    assert (media / "progress" / "front.jpg").read_bytes().startswith(b"\xff\xd8")
    assert databases_like(name) == [name]  # nothing was there to keep aside


def test_restoring_over_a_live_database_keeps_the_old_one_aside(pg_app):
    name = pg_app["DRILL_DATABASE"]
    ok(fitnesscrm(pg_app, "backup"))
    before = pg_fingerprint(name)
    server = Postgres.from_settings()
    with psycopg.connect(server.conninfo(name), password=server.password or None) as db:
        db.execute("DELETE FROM clients_timelineentry")

    ok(fitnesscrm(pg_app, "restore", "--yes"))

    assert pg_fingerprint(name) == before
    [kept] = [db for db in databases_like(name) if db != name]
    assert kept.startswith(f"{name}_pre_restore_")
    assert pg_fingerprint(kept)["counts"]["clients_timelineentry"] == 0


def test_a_damaged_set_is_refused_and_the_database_is_untouched(pg_app):
    name = pg_app["DRILL_DATABASE"]
    ok(fitnesscrm(pg_app, "backup"))
    backups = Path(pg_app["DATA_DIR"]) / "backups"
    [set_file] = sets_in(backups)
    path = backups / set_file
    data = bytearray(path.read_bytes())
    data[-5000] ^= 0x01
    path.write_bytes(bytes(data))
    before = pg_fingerprint(name)

    result = fitnesscrm(pg_app, "restore", "--yes")

    assert result.returncode != 0
    assert "does not match its checksum" in result.stderr
    assert "succeeded" not in result.stdout
    assert pg_fingerprint(name) == before
    assert databases_like(name) == [name]


def test_a_truncated_dump_fails_the_restore_and_leaves_the_old_database_in_place(pg_app):
    name = pg_app["DRILL_DATABASE"]
    ok(fitnesscrm(pg_app, "backup"))
    backups = Path(pg_app["DATA_DIR"]) / "backups"
    [set_file] = sets_in(backups)

    def truncate(folder):
        dump = folder / "database.dump"
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])

    rebuild_set(backups / set_file, truncate)
    before = pg_fingerprint(name)

    result = fitnesscrm(pg_app, "restore", "--yes")

    assert result.returncode != 0
    assert "Restore FAILED" in result.stderr
    assert "pg_restore" in result.stderr
    assert "succeeded" not in result.stdout
    assert pg_fingerprint(name) == before
    assert databases_like(name) == [name]


def test_a_backup_of_a_database_that_is_gone_fails_and_alerts(pg_app, tmp_path):
    alert_file = tmp_path / "alert.txt"
    pg_app["BACKUP_ALERT_COMMAND"] = f"sh -c 'printf %s \"$1\" > {alert_file}' alert"
    with admin_connect() as admin:
        admin.execute(f'DROP DATABASE "{pg_app["DRILL_DATABASE"]}" WITH (FORCE)')

    result = script(pg_app, "backup-database.sh")

    assert result.returncode != 0
    assert "succeeded" not in result.stdout
    assert alert_file.read_text().startswith("Backup FAILED: Cannot connect to the database")
    assert sets_in(Path(pg_app["DATA_DIR"]) / "backups") == []
