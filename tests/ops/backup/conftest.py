"""What the backup tests share: the real commands and scripts run as subprocesses against
their own data folder (and, for PostgreSQL, their own databases), moto's S3 server and a
webhook receiver on loopback."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from django.db import connection
from moto.server import ThreadedMotoServer

PROJECT_DIR = Path(__file__).resolve().parents[3]
SCRIPTS = PROJECT_DIR / "scripts"
BUCKET = "gym-backups"
REGION = "eu-west-2"
CREDENTIALS = {"aws_access_key_id": "backup-key", "aws_secret_access_key": "backup-secret"}

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="drills PostgreSQL's own tools (pg_dump, pg_restore) on a real server",
)


def app_env(data_dir: Path, **extra: str) -> dict:
    """The environment of a production-like run with its own data folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL", "BACKUP_"))
    }
    env.update(
        ENV_FILE=str(data_dir / "absent.env"),
        DEBUG="false",
        HTTPS="false",
        SECRET_KEY="backup-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATA_DIR=str(data_dir),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def fitnesscrm(env: dict, *args: str, stdin: str | None = None, timeout: int = 600):
    return subprocess.run(  # noqa: S603 - this program, fixed arguments
        [sys.executable, "-m", "fitnesscrm.cli", *args],
        cwd=PROJECT_DIR,
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def script(env: dict, name: str, *args: str, stdin: str | None = None, timeout: int = 600):
    return subprocess.run(  # noqa: S603 - the project's own scripts
        [str(SCRIPTS / name), *args],
        cwd="/",
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(result) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def sets_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("fitnesscrm-*.tar"))


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as packed:
        return json.load(packed.extractfile("manifest.json"))


def rebuild_set(path: Path, change) -> None:
    """Rewrite a set as a backup that went wrong would have: `change(folder)` alters the
    unpacked members; the manifest's file checksums and the sidecar are made to match,
    so that only the restore's own checks can catch it."""
    from fitnesscrm.ops.backup.storage import sha256_of, write_sidecar

    folder = path.with_name(path.name + ".members")
    folder.mkdir()
    with tarfile.open(path) as packed:
        names = packed.getnames()
        packed.extractall(folder, filter="data")
    change(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in manifest["files"]:
        manifest["files"][name]["sha256"] = sha256_of(folder / name)
        manifest["files"][name]["size"] = (folder / name).stat().st_size
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with tarfile.open(path, "w") as packed:
        for name in names:
            packed.add(folder / name, arcname=name)
    write_sidecar(path)


# --- SQLite -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite database with the demo data, made once and copied per test."""
    data = tmp_path_factory.mktemp("sqlite-template")
    env = app_env(data)
    ok(fitnesscrm(env, "migrate", "--noinput"))
    ok(fitnesscrm(env, "loaddemo"))
    return data / "fitnesscrm.sqlite3"


@pytest.fixture
def sqlite_app(tmp_path, sqlite_template):
    """A SQLite app of its own with the demo data and one uploaded file."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "fitnesscrm.sqlite3")
    photo = data / "media" / "progress" / "front.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo " * 100)
    return app_env(data)


def sqlite_rows(env: dict, sql: str) -> list[tuple]:
    import sqlite3

    db = sqlite3.connect(Path(env["DATA_DIR"]) / "fitnesscrm.sqlite3")
    try:
        rows = db.execute(sql).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def server_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{user}{password}@{host}/{dbname}"


def admin_connect():
    import psycopg

    from fitnesscrm.ops.backup.database import Postgres

    server = Postgres.from_settings()
    return psycopg.connect(
        server.conninfo("postgres"), password=server.password or None, autocommit=True
    )


def databases_like(prefix: str) -> list[str]:
    with admin_connect() as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname",
            [prefix.replace("_", r"\_") + "%"],
        ).fetchall()
    return [row[0] for row in rows]


def drop_databases(prefix: str) -> None:
    with admin_connect() as admin:
        for name in databases_like(prefix):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def drill_template(tmp_path_factory):
    """A migrated database with the demo gym and 300 seeded clients, made once; each test
    gets a copy (CREATE DATABASE ... TEMPLATE)."""
    name = f"fcrm_backup_drill_template_{uuid.uuid4().hex[:8]}"
    with admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = app_env(tmp_path_factory.mktemp("drill-template"), DATABASE_URL=server_url(name))
        ok(fitnesscrm(env, "migrate", "--noinput"))
        ok(fitnesscrm(env, "loaddemo"))
        ok(fitnesscrm(env, "seed", "--clients", "300", "--trainers", "5"))
        yield name
    finally:
        drop_databases(name)


@pytest.fixture
def drill_database(drill_template):
    """A database of its own (fcrm_backup_drill_*), dropped with everything named after it."""
    name = f"fcrm_backup_drill_{uuid.uuid4().hex[:8]}"
    with admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{drill_template}"')
    yield name
    drop_databases(name)


def pg_fingerprint(dbname: str) -> dict:
    """Every table's row count and an md5 over the ordered rows of the key tables,
    computed here independently of the backup code."""
    import psycopg

    from fitnesscrm.ops.backup.database import Postgres

    server = Postgres.from_settings()
    with psycopg.connect(server.conninfo(dbname), password=server.password or None) as db:
        db.execute("SET TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        counts = {
            table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }
        checksums = {
            table: db.execute(
                f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM \"{table}\" t"  # noqa: S608
            ).fetchone()[0]
            for table in ("accounts_user", "clients_client", "billing_invoice", "billing_payment")
        }
    return {"counts": counts, "checksums": checksums}


@pytest.fixture
def pg_app(tmp_path, drill_database):
    """A migrated PostgreSQL app with the demo gym, 300 seeded clients and one upload."""
    data = tmp_path / "data"
    data.mkdir()
    env = app_env(data, DATABASE_URL=server_url(drill_database))
    photo = data / "media" / "progress" / "front.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo " * 100)
    env["DRILL_DATABASE"] = drill_database
    return env


# --- S3 and the alert webhook -----------------------------------------------------------------


@pytest.fixture
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets per process, across servers: each test starts from none.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    yield server, endpoint
    with contextlib.suppress(Exception):  # a test may have stopped it already
        server.stop()


@pytest.fixture
def bucket(s3_server):
    _, endpoint = s3_server
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return s3


def s3_env(endpoint: str, bucket: str = BUCKET) -> dict:
    return {
        "BACKUP_S3_BUCKET": bucket,
        "BACKUP_S3_PREFIX": "nightly/",
        "BACKUP_S3_ENDPOINT_URL": endpoint,
        "BACKUP_S3_REGION": REGION,
        "BACKUP_S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "BACKUP_S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
    }


def keys(s3) -> list[str]:
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        found += [item["Key"] for item in page.get("Contents", [])]
    return sorted(found)


@pytest.fixture
def webhook():
    """An HTTP server on loopback that records the JSON bodies POSTed to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts", received
    server.shutdown()
    server.server_close()
