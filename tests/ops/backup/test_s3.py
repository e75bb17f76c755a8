"""Sets uploaded to and restored from an S3-compatible bucket (moto's server on loopback);
a failed upload fails the backup loudly and calls the alert webhook."""

import json
import shutil
from pathlib import Path

from tests.ops.backup.conftest import (
    BUCKET,
    fitnesscrm,
    keys,
    ok,
    s3_env,
    script,
    sets_in,
    sqlite_rows,
)


def test_a_backup_is_uploaded_with_its_checksum_and_matches_the_local_copy(
    sqlite_app, bucket, s3_server
):
    _, endpoint = s3_server
    sqlite_app.update(s3_env(endpoint))

    result = ok(script(sqlite_app, "backup-database.sh"))

    [name] = sets_in(Path(sqlite_app["DATA_DIR"]) / "backups")
    assert keys(bucket) == [f"nightly/{name}", f"nightly/{name}.sha256"]
    assert f"uploaded to s3://{BUCKET}/nightly/{name}" in result.stdout
    local = (Path(sqlite_app["DATA_DIR"]) / "backups" / name).read_bytes()
    assert bucket.get_object(Bucket=BUCKET, Key=f"nightly/{name}")["Body"].read() == local


def test_restore_by_s3_key_and_latest_from_the_bucket_when_the_server_lost_its_disk(
    sqlite_app, bucket, s3_server
):
    _, endpoint = s3_server
    sqlite_app.update(s3_env(endpoint))
    ok(fitnesscrm(sqlite_app, "backup"))
    data = Path(sqlite_app["DATA_DIR"])
    [name] = sets_in(data / "backups")
    expected = sqlite_rows(sqlite_app, "SELECT id, email FROM clients_client ORDER BY id")
    shutil.rmtree(data / "backups")
    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")

    latest = ok(script(sqlite_app, "restore-database.sh", "--yes"))

    assert f"downloading s3://{BUCKET}/nightly/{name}" in latest.stdout
    assert f"Restore succeeded: {name}" in latest.stdout
    assert sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_timelineentry")[0][0] > 0

    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")
    by_key = ok(fitnesscrm(sqlite_app, "restore", "--yes", "--s3-key", f"nightly/{name}"))

    assert f"Restore succeeded: {name}" in by_key.stdout
    assert sqlite_rows(sqlite_app, "SELECT id, email FROM clients_client ORDER BY id") == expected
    assert sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_timelineentry")[0][0] > 0
    assert not list((data / "backups").glob(".restore-*"))


def test_a_damaged_upload_is_refused_before_anything_changes(sqlite_app, bucket, s3_server):
    _, endpoint = s3_server
    sqlite_app.update(s3_env(endpoint))
    ok(fitnesscrm(sqlite_app, "backup"))
    [name] = sets_in(Path(sqlite_app["DATA_DIR"]) / "backups")
    body = bucket.get_object(Bucket=BUCKET, Key=f"nightly/{name}")["Body"].read()
    bucket.put_object(Bucket=BUCKET, Key=f"nightly/{name}", Body=body[:-1000])
    sqlite_rows(sqlite_app, "DELETE FROM clients_timelineentry")

    result = fitnesscrm(sqlite_app, "restore", "--yes", "--s3-key", f"nightly/{name}")

    assert result.returncode != 0
    assert "does not match its checksum" in result.stderr
    assert sqlite_rows(sqlite_app, "SELECT COUNT(*) FROM clients_timelineentry")[0][0] == 0


def test_an_upload_to_a_missing_bucket_fails_the_backup_and_calls_the_webhook(
    sqlite_app, bucket, s3_server, webhook
):
    _, endpoint = s3_server
    url, received = webhook
    sqlite_app.update(s3_env(endpoint, bucket="no-such-bucket"), BACKUP_ALERT_URL=url)

    result = script(sqlite_app, "backup-database.sh")

    assert result.returncode != 0
    assert "succeeded" not in result.stdout
    assert "Backup FAILED: Upload to s3://no-such-bucket/" in result.stderr
    assert [alert["event"] for alert in received] == ["backup_failed"]
    assert "no-such-bucket" in received[0]["message"]
    log = (Path(sqlite_app["DATA_DIR"]) / "backups" / "backup.log").read_text()
    assert "Backup FAILED" in log
    assert "succeeded" not in log


def test_an_upload_to_a_server_that_went_away_fails_the_backup_and_calls_the_webhook(
    sqlite_app, bucket, s3_server, webhook
):
    server, endpoint = s3_server
    url, received = webhook
    sqlite_app.update(s3_env(endpoint), BACKUP_ALERT_URL=url)
    server.stop()

    result = fitnesscrm(sqlite_app, "backup")

    assert result.returncode != 0
    assert "succeeded" not in result.stdout
    assert "Upload to s3://" in result.stderr
    assert len(received) == 1
    assert json.dumps(received[0])  # a JSON object with the message
    assert received[0]["message"].startswith("Backup FAILED: Upload to s3://")
