"""The database side: a consistent dump with its row counts and checksums, a scratch
restore that checks them, and a restore into a new database that replaces the old one
only once it is checked.

PostgreSQL: pg_dump's custom format (compressed), taken in the same snapshot as the row
counts; pg_restore into a new database; the switch renames the databases. SQLite: a copy
through SQLite's online backup API, gzip-compressed; the switch renames the files.
"""

import gzip
import hashlib
import logging
import os
import re
import shutil
import subprocess  # nosec B404 # runs pg_dump and psql, without a shell
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings

from fitnesscrm.ops.backup.errors import BackupError

logger = logging.getLogger("fitnesscrm.backup")

# Tables whose every row is checksummed (sha256 over the rows ordered by id), beyond the
# row counts taken of every table.
KEY_MODELS = ("accounts.User", "clients.Client", "billing.Invoice", "billing.Payment")

# libpq parameters that may come from DATABASE_URL's query string (sslmode=require...).
LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "connect_timeout",
        "target_session_attrs",
        "application_name",
        "options",
        "service",
        "passfile",
        "channel_binding",
    }
)


def key_tables() -> list[str]:
    return [apps.get_model(label)._meta.db_table for label in KEY_MODELS]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_tool(command: list[str], *, env: dict | None = None, what: str) -> str:
    try:
        result = subprocess.run(  # noqa: S603 - fixed tools, arguments we build  # nosec B603
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{what}: {command[0]} could not be run ({exc}).") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what}: {command[0]} failed: {' / '.join(detail)}")
    return result.stdout


def compare(expected: dict, actual: dict, *, what: str) -> None:
    """Row counts of every table and checksums of the key tables, as in the manifest."""
    problems = []
    for kind in ("row_counts", "checksums"):
        want, got = expected.get(kind, {}), actual.get(kind, {})
        for table in sorted(set(want) | set(got)):
            if want.get(table) != got.get(table):
                problems.append(
                    f"{kind[:-1].replace('_', ' ')} of {table}: "
                    f"{want.get(table)!r} expected, {got.get(table)!r} found"
                )
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise BackupError(f"{what}: the data does not match the manifest: {shown}{more}")


def _migrations(cursor) -> dict:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    rows = cursor.fetchall()
    latest: dict[str, str] = {}
    for app, name in rows:
        latest[app] = max(latest.get(app, ""), name)
    return {"applied": len(rows), "latest": latest}


def _snapshot(connection, tables: list[str], *, text_rows: str, server_cursor) -> dict:
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - quoted name  # nosec B608
            counts[table] = cursor.fetchone()[0]
        migrations = _migrations(cursor) if "django_migrations" in tables else {}
    checksums = {}
    for table in key_tables():
        if table not in tables:
            continue
        digest = hashlib.sha256()
        with server_cursor(connection) as cursor:
            cursor.execute(text_rows.format(table=quote(table)))
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    digest.update(repr(tuple(row)).encode())
                    digest.update(b"\n")
        checksums[table] = digest.hexdigest()
    return {"row_counts": counts, "checksums": checksums, "migrations": migrations}


# --- PostgreSQL ---------------------------------------------------------------------------


@dataclass
class Postgres:
    vendor = "postgresql"
    dbname: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    options: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls) -> "Postgres":
        db = settings.DATABASES["default"]
        options = {
            key: str(value)
            for key, value in (db.get("OPTIONS") or {}).items()
            if key in LIBPQ_OPTIONS
        }
        return cls(
            dbname=db["NAME"],
            host=str(db.get("HOST") or ""),
            port=str(db.get("PORT") or ""),
            user=str(db.get("USER") or ""),
            password=str(db.get("PASSWORD") or ""),
            options=options,
        )

    # Connections and tools

    def params(self, dbname: str) -> dict:
        found = {"dbname": dbname, "host": self.host, "port": self.port, "user": self.user}
        return {key: value for key, value in {**found, **self.options}.items() if value}

    def conninfo(self, dbname: str) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(**self.params(dbname))  # the password goes in the environment

    def tool_env(self) -> dict:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, dbname: str | None = None, *, autocommit: bool = False):
        import psycopg

        connection = psycopg.connect(
            self.conninfo(dbname or self.dbname),
            password=self.password or None,
            autocommit=autocommit,
        )
        # Rows are hashed in their text form: the same settings give the same text.
        for statement in (
            "SET TimeZone = 'UTC'",
            "SET DateStyle = 'ISO, MDY'",
            "SET IntervalStyle = 'postgres'",
            "SET extra_float_digits = 1",
            "SET bytea_output = 'hex'",
        ):
            connection.execute(statement)
        if not autocommit:
            connection.commit()  # SET outlives the transaction; the next one starts clean
        return connection

    def admin(self):
        """A connection to the maintenance database, for CREATE/DROP/ALTER DATABASE."""
        import psycopg

        last = None
        for name in ("postgres", "template1"):
            try:
                return self.connect(name, autocommit=True)
            except psycopg.OperationalError as exc:
                last = exc
        raise BackupError(f"Cannot connect to the PostgreSQL server: {last}")

    @staticmethod
    def tool(name: str) -> str:
        path = shutil.which(name)
        if not path:
            raise BackupError(
                f"{name} is not installed here: backups of PostgreSQL need the PostgreSQL "
                "client tools (pg_dump, pg_restore) of the server's major version or newer."
            )
        return path

    def exists(self, dbname: str) -> bool:
        with self.admin() as admin:
            row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            return row.fetchone() is not None

    def create(self, dbname: str) -> None:
        with self.admin() as admin:
            admin.execute(f"CREATE DATABASE {quote(dbname)} TEMPLATE template0")

    def drop(self, dbname: str) -> None:
        with self.admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {quote(dbname)} WITH (FORCE)")

    def side_name(self, kind: str, stamp: str) -> str:
        """A database named after this one (kept under PostgreSQL's 63 bytes)."""
        suffix = f"_{kind}_{stamp.lower()}"
        return self.dbname[: 63 - len(suffix)] + suffix

    def tables(self, connection) -> list[str]:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        ).fetchall()
        return [row[0] for row in rows]

    def snapshot(self, connection) -> dict:
        counter = iter(range(1_000_000))
        return _snapshot(
            connection,
            self.tables(connection),
            text_rows="SELECT t::text FROM {table} AS t ORDER BY t.id",
            server_cursor=lambda conn: conn.cursor(name=f"backup_rows_{next(counter)}"),
        )

    def snapshot_of(self, dbname: str) -> dict:
        with self.connect(dbname) as connection:
            return self.snapshot(connection)

    # Backup

    def dump(self, folder: Path) -> tuple[Path, dict]:
        """pg_dump -Fc of the database, with the counts and checksums of that same
        snapshot (the dump reads the snapshot this transaction exports)."""
        import psycopg

        pg_dump = self.tool("pg_dump")
        self.tool("pg_restore")
        target = folder / "database.dump"
        try:
            connection = self.connect()
        except psycopg.Error as exc:
            raise BackupError(f"Cannot connect to the database {self.dbname}: {exc}") from exc
        with connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            exported = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
            run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--compress=6",
                    f"--snapshot={exported}",
                    f"--file={target}",
                    f"--dbname={self.conninfo(self.dbname)}",
                ],
                env=self.tool_env(),
                what="Dumping the database",
            )
            data = self.snapshot(connection)
            data["server_version"] = connection.execute("SHOW server_version").fetchone()[0]
            connection.rollback()
        return target, data

    def list_dump(self, dump: Path) -> None:
        listing = run_tool([self.tool("pg_restore"), "--list", str(dump)], what="Listing the dump")
        if " TABLE DATA " not in listing:
            raise BackupError("Listing the dump: it holds no table data.")

    def restore_into(self, dbname: str, dump: Path) -> None:
        jobs = max(1, min(4, os.cpu_count() or 1))
        run_tool(
            [
                self.tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--jobs={jobs}",
                f"--dbname={self.conninfo(dbname)}",
                str(dump),
            ],
            env=self.tool_env(),
            what=f"Restoring into {dbname}",
        )

    def verify(self, dump: Path, expected: dict, stamp: str) -> None:
        """The dump lists, restores into a scratch database and matches the manifest."""
        self.list_dump(dump)
        scratch = self.side_name("verify", stamp)
        self.create(scratch)
        try:
            self.restore_into(scratch, dump)
            compare(expected, self.snapshot_of(scratch), what="Verifying the dump")
        finally:
            self.drop(scratch)

    # Restore

    def restore_new(self, dump: Path, stamp: str) -> str:
        new = self.side_name("restore", stamp)
        self.create(new)
        try:
            self.restore_into(new, dump)
        except BaseException:
            self.drop(new)
            raise
        return new

    def url(self, dbname: str) -> str:
        """DATABASE_URL for `dbname`: the configured URL with another database name."""
        from urllib.parse import quote as url_quote
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(settings.DATABASE_URL)
        return urlunsplit(parts._replace(path="/" + url_quote(dbname, safe="")))

    def discard(self, new: str) -> None:
        self.drop(new)

    def switch(self, new: str, stamp: str) -> str | None:
        """Rename the current database aside and the new one into its place.

        Connections to the current database are ended first (the app reconnects to the
        new one). Returns the name the old database is kept under, or None if there was none.
        """
        old_name = self.side_name("pre_restore", stamp)
        with self.admin() as admin:
            had_old = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.dbname]
            ).fetchone()
            if had_old:
                admin.execute(f"ALTER DATABASE {quote(self.dbname)} ALLOW_CONNECTIONS false")
                for attempt in range(10):
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        [self.dbname],
                    )
                    try:
                        admin.execute(
                            f"ALTER DATABASE {quote(self.dbname)} RENAME TO {quote(old_name)}"
                        )
                        break
                    except Exception:
                        if attempt == 9:
                            admin.execute(
                                f"ALTER DATABASE {quote(self.dbname)} ALLOW_CONNECTIONS true"
                            )
                            raise
                        time.sleep(0.5)
                admin.execute(f"ALTER DATABASE {quote(old_name)} ALLOW_CONNECTIONS true")
            admin.execute(f"ALTER DATABASE {quote(new)} RENAME TO {quote(self.dbname)}")
        return old_name if had_old else None


# --- SQLite ---------------------------------------------------------------------------------


def _regexp(pattern, value):
    # As Django registers it: CHECK constraints of its models call REGEXP().
    if pattern is None or value is None:
        return None
    return bool(re.search(pattern, str(value)))


def _sqlite_connect(path: Path):
    import sqlite3

    connection = sqlite3.connect(str(path), timeout=30)
    connection.create_function("REGEXP", 2, _regexp, deterministic=True)
    return connection


class _SqliteCursor:
    """sqlite3 cursors are not context managers; _snapshot uses them as such."""

    def __init__(self, connection):
        self.cursor = connection.cursor()

    def __enter__(self):
        return self.cursor

    def __exit__(self, *exc):
        self.cursor.close()


class _SqliteConnection:
    def __init__(self, connection):
        self.connection = connection

    def cursor(self):
        return _SqliteCursor(self.connection)


@dataclass
class Sqlite:
    vendor = "sqlite"
    path: Path

    @classmethod
    def from_settings(cls) -> "Sqlite":
        return cls(Path(settings.DATABASES["default"]["NAME"]))

    @property
    def dbname(self) -> str:
        return str(self.path)

    def snapshot_of(self, path: Path) -> dict:
        connection = _sqlite_connect(path)
        try:
            tables = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            return _snapshot(
                _SqliteConnection(connection),
                tables,
                text_rows="SELECT * FROM {table} ORDER BY id",
                server_cursor=lambda conn: conn.cursor(),
            )
        finally:
            connection.close()

    def dump(self, folder: Path) -> tuple[Path, dict]:
        if not self.path.is_file():
            raise BackupError(f"The database file {self.path} does not exist.")
        copy = folder / "database.sqlite3"
        source = _sqlite_connect(self.path)
        target = _sqlite_connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        data = self.snapshot_of(copy)
        import sqlite3

        data["server_version"] = sqlite3.sqlite_version
        compressed = folder / "database.sqlite3.gz"
        with copy.open("rb") as raw, gzip.open(compressed, "wb", compresslevel=6) as packed:
            shutil.copyfileobj(raw, packed, 1024 * 1024)
        copy.unlink()
        return compressed, data

    @staticmethod
    def unpack(dump: Path, target: Path) -> None:
        try:
            with gzip.open(dump, "rb") as packed, target.open("wb") as raw:
                shutil.copyfileobj(packed, raw, 1024 * 1024)
        except (OSError, EOFError) as exc:
            raise BackupError(f"Unpacking {dump.name} failed: {exc}") from exc
        connection = _sqlite_connect(target)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except Exception as exc:
            raise BackupError(f"{dump.name} is not a readable SQLite database: {exc}") from exc
        finally:
            connection.close()
        if result != "ok":
            raise BackupError(f"{dump.name} fails SQLite's integrity check: {result}")

    def verify(self, dump: Path, expected: dict, stamp: str) -> None:
        scratch = dump.with_name(f"verify-{stamp}.sqlite3")
        try:
            self.unpack(dump, scratch)
            compare(expected, self.snapshot_of(scratch), what="Verifying the dump")
        finally:
            scratch.unlink(missing_ok=True)

    def side_path(self, kind: str, stamp: str) -> Path:
        return self.path.with_name(f"{self.path.name}.{kind}-{stamp}")

    def restore_new(self, dump: Path, stamp: str) -> Path:
        new = self.side_path("restore", stamp)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.unpack(dump, new)
        except BaseException:
            new.unlink(missing_ok=True)
            raise
        return new

    def url(self, new: Path) -> str:
        return f"sqlite:///{Path(new).resolve()}"

    def discard(self, new: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{new}{suffix}").unlink(missing_ok=True)

    def switch(self, new: Path, stamp: str) -> str | None:
        """The current file (with its -wal and -shm) renamed aside, the new one in its place.

        The app must be stopped: a process holding the old file open keeps writing to it.
        """
        kept = self.side_path("pre-restore", stamp)
        had_old = self.path.exists()
        for suffix in ("", "-wal", "-shm"):
            current = Path(f"{self.path}{suffix}")
            if current.exists():
                current.rename(f"{kept}{suffix}")
        for suffix in ("-wal", "-shm"):
            Path(f"{new}{suffix}").unlink(missing_ok=True)
        Path(new).rename(self.path)
        return str(kept) if had_old else None


def current_database() -> "Postgres | Sqlite":
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.postgresql":
        return Postgres.from_settings()
    if engine == "django.db.backends.sqlite3":
        return Sqlite.from_settings()
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")
