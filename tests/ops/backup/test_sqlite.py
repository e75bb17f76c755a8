"""`fitnesscrm backup` and `fitnesscrm restore` on the SQLite default, run as commands."""

import subprocess
import time
from pathlib import Path

from fitnesscrm.ops.backup import last_good_backup
from tests.ops.backup.conftest import (
    fitnesscrm,
    manifest_of,
    ok,
    rebuild_set,
    script,
    sets_in,
    sqlite_rows,
)


def backups(env) -> Path:
    return Path(env["DATA_DIR"]) / "backups"


def test_a_backup_is_one_verified_set_with_its_checksum_manifest_media_and_log(sqlite_app):
    result = ok(script(sqlite_app, "backup-database.sh"))

    [name] = sets_in(backups(sqlite_app))
    assert f"Backup succeeded: {backups(sqlite_app) / name}" in result.stdout
    checked = subprocess.run(  # noqa: S603 - the documented manual check
        ["/usr/bin/sha256sum", "-c", f"{name}.sha256"],
        cwd=backups(sqlite_app),
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.stdout == f"{name}: OK\n"
    manifest = manifest_of(backups(sqlite_app) / name)
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["verification"]["ok"] is True
    assert manifest["media"]["files"] == 1
    assert set(manifest["files"]) == {"database.sqlite3.gz", "media.tar.gz"}
    clients = sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_client")[0][0]
    assert clients > 0
    assert manifest["row_counts"]["clients_client"] == clients
    assert set(manifest["checksums"]) == {
        "accounts_user",
        "clients_client",
        "billing_invoice",
        "billing_payment",
    }
    assert manifest["migrations"]["latest"]["clients"]
    log = (backups(sqlite_app) / "backup.log").read_text()
    assert "Backup started." in log and "Backup succeeded" in log
    assert last_good_backup(backups(sqlite_app)).isoformat() == manifest["created_at"]


def test_no_backup_yet_means_no_last_good_backup(tmp_path):
    assert last_good_backup(tmp_path) is None


def test_restore_brings_back_the_data_and_media_and_keeps_the_replaced_ones(sqlite_app):
    ok(fitnesscrm(sqlite_app, "backup"))
    clients = "SELECT id, first_name, email FROM clients_client ORDER BY id"
    before = sqlite_rows(sqlite_app, clients)
    data = Path(sqlite_app["DATA_DIR"])
    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")
    (data / "media" / "progress" / "front.jpg").unlink()

    result = ok(script(sqlite_app, "restore-database.sh", "--yes"))

    assert "Restore succeeded" in result.stdout
    assert (
        sqlite_rows(sqlite_app, "SELECT id, first_name, email FROM clients_client ORDER BY id")
        == before
    )
    assert sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_timelineentry")[0][0] > 0
    assert (data / "media" / "progress" / "front.jpg").read_bytes().startswith(b"\xff\xd8")
    [kept_db] = data.glob("fitnesscrm.sqlite3.pre-restore-*")
    assert kept_db.stat().st_size > 0
    assert len(list(data.glob("media.pre-restore-*"))) == 1


def test_restore_asks_first_and_changes_nothing_without_a_yes(sqlite_app):
    ok(fitnesscrm(sqlite_app, "backup"))
    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")

    refused = fitnesscrm(sqlite_app, "restore", stdin="no\n")

    assert refused.returncode != 0
    assert "Type yes to restore" in refused.stdout
    assert "nothing was changed" in refused.stderr
    assert "succeeded" not in refused.stdout
    assert sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_timelineentry")[0][0] == 0

    accepted = ok(fitnesscrm(sqlite_app, "restore", stdin="yes\n"))

    assert "Restore succeeded" in accepted.stdout
    assert sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_timelineentry")[0][0] > 0


def test_restore_takes_the_latest_set_or_the_named_file(sqlite_app):
    ok(fitnesscrm(sqlite_app, "backup"))
    [first] = sets_in(backups(sqlite_app))
    sqlite_rows(sqlite_app, "UPDATE clients_client SET first_name = 'Changed'")
    # A set is named after its second; a quick machine could otherwise make both in one.
    time.sleep(1.05 - time.time() % 1)
    ok(fitnesscrm(sqlite_app, "backup"))
    sets = sets_in(backups(sqlite_app))
    assert len(sets) == 2, sets
    sqlite_rows(sqlite_app, "UPDATE clients_client SET first_name = 'Later'")

    latest = ok(fitnesscrm(sqlite_app, "restore", "--yes"))

    assert f"Restore succeeded: {sets[1]}" in latest.stdout
    assert {row[0] for row in sqlite_rows(sqlite_app, "SELECT first_name FROM clients_client")} == {
        "Changed"
    }

    named = ok(
        fitnesscrm(sqlite_app, "restore", "--yes", "--file", str(backups(sqlite_app) / first))
    )

    assert f"Restore succeeded: {first}" in named.stdout
    assert "Changed" not in {
        row[0] for row in sqlite_rows(sqlite_app, "SELECT first_name FROM clients_client")
    }


def test_a_damaged_set_is_refused_by_its_checksum_before_anything_changes(sqlite_app, tmp_path):
    ok(fitnesscrm(sqlite_app, "backup"))
    [name] = sets_in(backups(sqlite_app))
    path = backups(sqlite_app) / name
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")
    database = Path(sqlite_app["DATA_DIR"]) / "fitnesscrm.sqlite3"
    before = database.read_bytes()

    result = fitnesscrm(sqlite_app, "restore", "--yes")

    assert result.returncode != 0
    assert "does not match its checksum" in result.stderr
    assert "succeeded" not in result.stdout
    assert database.read_bytes() == before
    assert not list(database.parent.glob("*.pre-restore-*"))
    assert not list(database.parent.glob("*.restore-*"))


def test_a_restore_that_fails_leaves_the_current_database_untouched(sqlite_app):
    ok(fitnesscrm(sqlite_app, "backup"))
    [name] = sets_in(backups(sqlite_app))

    def truncate(folder):
        dump = folder / "database.sqlite3.gz"
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

    rebuild_set(backups(sqlite_app) / name, truncate)
    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")
    database = Path(sqlite_app["DATA_DIR"]) / "fitnesscrm.sqlite3"
    before = database.read_bytes()

    result = fitnesscrm(sqlite_app, "restore", "--yes")

    assert result.returncode != 0
    assert "Restore FAILED" in result.stderr
    assert "succeeded" not in result.stdout
    assert database.read_bytes() == before
    assert sorted(path.name for path in database.parent.iterdir()) == [
        "backups",
        "fitnesscrm.sqlite3",
        "media",
    ]


def test_a_restore_whose_data_differs_from_the_manifest_is_not_switched_in(sqlite_app):
    import json

    ok(fitnesscrm(sqlite_app, "backup"))
    [name] = sets_in(backups(sqlite_app))

    def miscount(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["row_counts"]["clients_client"] += 1
        (folder / "manifest.json").write_text(json.dumps(manifest))

    rebuild_set(backups(sqlite_app) / name, miscount)
    database = Path(sqlite_app["DATA_DIR"]) / "fitnesscrm.sqlite3"
    before = database.read_bytes()

    result = fitnesscrm(sqlite_app, "restore", "--yes")

    assert result.returncode != 0
    assert "row count of clients_client" in result.stderr
    assert database.read_bytes() == before
    assert not list(database.parent.glob("fitnesscrm.sqlite3.*"))


def test_a_failed_backup_exits_non_zero_calls_the_alert_command_and_says_no_success(
    sqlite_app, tmp_path
):
    alert_file = tmp_path / "alert.txt"
    sqlite_app["BACKUP_ALERT_COMMAND"] = f"sh -c 'printf %s \"$1\" > {alert_file}' alert"
    (Path(sqlite_app["DATA_DIR"]) / "fitnesscrm.sqlite3").unlink()

    result = script(sqlite_app, "backup-database.sh")

    assert result.returncode != 0
    assert "Backup FAILED" in result.stderr
    assert "succeeded" not in result.stdout
    assert alert_file.read_text().startswith("Backup FAILED: The database file")
    assert sets_in(backups(sqlite_app)) == []
    assert "Backup FAILED" in (backups(sqlite_app) / "backup.log").read_text()
