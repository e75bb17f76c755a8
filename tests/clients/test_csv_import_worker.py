"""Large CSV imports run in the worker: the page shows progress and the request does not wait.

Real commits (transaction=True), because the worker and the all-or-nothing import
are about what a transaction keeps or undoes.
"""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fitnesscrm.clients import services
from fitnesscrm.clients.import_tasks import cleanup_imports
from fitnesscrm.clients.imports import cleanup, jobs, runs
from fitnesscrm.clients.models import Client, ClientImport, ImportStatus, Tag, TimelineEntry
from fitnesscrm.core.models import AuditEntry
from tests.clients.test_csv_import import check, commit, uploaded

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run_worker():
    """`run_worker()` runs `fitnesscrm worker` until the queue is empty (signals restored)."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {sig: signal.getsignal(sig) for sig in signals}

    def _run() -> str:
        out = io.StringIO()
        call_command("worker", "--batch", "--no-startup-delay", stdout=out, stderr=out)
        return out.getvalue()

    yield _run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def big_csv(rows: int, *, bad_rows: tuple[int, ...] = ()) -> bytes:
    lines = ["First name,Last name,Email,Phone,Tags"]
    for n in range(rows):
        email = "broken" if n in bad_rows else f"client{n}@example.test"
        lines.append(f"Client{n},Number{n},{email},07911 {n % 1_000_000:06d},Bulk")
    return ("\n".join(lines) + "\n").encode()


def progress(client, job) -> str:
    response = client.get(f"/clients/import/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def import_through_the_worker(login, owner, run_worker, rows: int) -> None:
    client = login(owner)
    job = uploaded(client, big_csv(rows))
    assert job.total_rows == rows

    # The dry run is queued: the request answers before any row is checked.
    assert check(client, job).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.checked_rows) == (ImportStatus.CHECKING, 0)
    page = client.get(f"/clients/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert f"0 of {rows:,} rows checked" in progress(client, job)

    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert (job.checked_rows, job.valid_rows, job.error_rows) == (rows, rows, 0)
    assert not Client.objects.exists()

    # The import is queued too, and written by the worker in one go.
    commit(client, job, "all")
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    page = progress(client, job)
    assert f"0 of {rows:,} rows checked" in page and "again before importing" in page
    assert not Client.objects.exists()

    run_worker()
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, rows)
    assert Client.objects.count() == rows
    assert TimelineEntry.objects.count() == rows
    assert Tag.objects.get().clients.count() == rows
    [audit] = AuditEntry.objects.filter(action="client.import")
    assert (audit.changes["rows"], audit.changes["imported"]) == (rows, rows)
    assert {r.status for r in DBTaskResult.objects.all()} == {TaskResultStatus.SUCCESSFUL}
    assert Client.objects.get(email="client7@example.test").phone == "+447911000007"


def test_a_large_file_is_checked_and_imported_by_the_worker(login, owner, run_worker):
    import_through_the_worker(login, owner, run_worker, 20_000)


@pytest.mark.slow
def test_a_file_of_100000_rows_is_checked_and_imported_by_the_worker(login, owner, run_worker):
    import_through_the_worker(login, owner, run_worker, 100_000)


def test_the_progress_is_written_as_the_worker_goes(login, owner, run_worker, monkeypatch):
    client = login(owner)
    job = uploaded(client, big_csv(jobs.INLINE_ROWS + 500))
    check(client, job)
    seen = []
    real_check_chunk_update = ClientImport.objects.filter

    def spy(*args, **kwargs):
        if kwargs.get("status") == ImportStatus.CHECKING and "pk" in kwargs:
            seen.append(ClientImport.objects.get(pk=kwargs["pk"]).checked_rows)
        return real_check_chunk_update(*args, **kwargs)

    monkeypatch.setattr(ClientImport.objects, "filter", spy)
    run_worker()
    # The run's start, then one update per chunk: before each, the count of the chunks
    # before it was committed.
    assert seen[:3] == [0, 0, 1000]


def test_a_failure_while_the_worker_writes_leaves_nothing_written(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows))
    check(client, job)
    run_worker()
    commit(client, job, "all")
    real_create = services.clients_import_create
    calls = []

    def failing_create(**kwargs):
        calls.append(len(kwargs["rows"]))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "clients_import_create", failing_create)
    run_worker()
    assert calls == [1000, 500]
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "every change was undone" in job.message
    assert not Client.objects.exists()
    assert not Tag.objects.exists()
    assert not TimelineEntry.objects.exists()
    assert not AuditEntry.objects.filter(action="client.import").exists()
    task = DBTaskResult.objects.get(task_path__endswith="commit_import")
    assert task.status == TaskResultStatus.FAILED
    page = client.get(f"/clients/import/{job.pk}/").content.decode()
    assert "Nothing was imported" in page


def test_only_the_valid_rows_of_a_large_file_are_imported(login, owner, run_worker):
    rows = jobs.INLINE_ROWS + 200
    client = login(owner)
    job = uploaded(client, big_csv(rows, bad_rows=(5, 1100)))
    check(client, job)
    run_worker()
    job.refresh_from_db()
    assert (job.valid_rows, job.error_rows) == (rows - 2, 2)
    assert [(e.row, e.column) for e in job.row_errors.all()] == [(7, "Email"), (1102, "Email")]
    commit(client, job, "valid")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, rows - 2)
    assert Client.objects.count() == rows - 2
    assert not Client.objects.filter(first_name__in=["Client5", "Client1100"]).exists()


def test_a_cancelled_check_is_not_run_by_the_worker(login, owner, run_worker):
    client = login(owner)
    job = uploaded(client, big_csv(jobs.INLINE_ROWS + 1))
    check(client, job)
    client.post(f"/clients/import/{job.pk}/cancel/")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.checked_rows) == (ImportStatus.CANCELLED, 0)
    assert not job.row_errors.exists()


# --- A run whose worker stopped ---------------------------------------------------------------

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks and a database a second process can reach (PostgreSQL)",
)


class WorkerDied(BaseException):
    """The worker stopping dead in the middle of a run (killed, out of memory): no handler
    of the run catches it, the open transaction is rolled back."""


def silent_for(job, minutes: int) -> None:
    """As if the run had shown no sign of life for `minutes`."""
    ago = timezone.now() - timedelta(minutes=minutes)
    ClientImport.objects.filter(pk=job.pk).update(heartbeat_at=ago)


def on_chunk(monkeypatch, number: int, action) -> None:
    """Call `action()` when the run looks up the emails of its `number`th chunk of rows."""
    real = runs._existing_emails
    calls = []

    def looked_up(emails):
        calls.append(emails)
        if len(calls) == number:
            action()
        return real(emails)

    monkeypatch.setattr(runs, "_existing_emails", looked_up)


def page(client, job) -> str:
    return client.get(f"/clients/import/{job.pk}/").content.decode()


def test_a_check_whose_worker_died_shows_as_interrupted_and_can_be_checked_again(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows, bad_rows=(3, 1200)))
    check(client, job)
    job.refresh_from_db()

    def die():
        raise WorkerDied

    on_chunk(monkeypatch, 2, die)
    with pytest.raises(WorkerDied):
        runs.import_check_run(job.pk, attempt=job.attempt)
    job.refresh_from_db()
    assert (job.status, job.checked_rows) == (ImportStatus.CHECKING, 1000)
    assert job.row_errors.count() == 1

    # Silent for less than a live run may be: still shown as running.
    silent_for(job, 9)
    assert f"1,000 of {rows:,} rows checked" in progress(client, job)
    silent_for(job, 11)
    response = client.get(f"/clients/import/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert (response.status_code, response["HX-Refresh"]) == (204, "true")
    shown = page(client, job)
    assert "The check was interrupted (the background worker stopped). Nothing was written" in shown
    assert 'hx-trigger="every 1s"' not in shown
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert not job.row_errors.exists()  # what the cut-off check found was partial

    # Checked again from the same file, with the columns chosen before.
    assert "Check the file again" in shown
    assert "Match the columns" in client.get(f"/clients/import/{job.pk}/?mapping").content.decode()
    check(client, job)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.valid_rows, job.error_rows) == (ImportStatus.CHECKED, rows - 2, 2)
    assert [error.row for error in job.row_errors.all()] == [5, 1202]


def test_an_import_whose_worker_died_while_writing_wrote_nothing_and_can_be_run_again(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows))
    check(client, job)
    run_worker()
    commit(client, job, "all")
    job.refresh_from_db()
    real_create = services.clients_import_create

    def create_then_die(**kwargs):
        real_create(**kwargs)  # 1,000 clients written in the open transaction
        raise WorkerDied

    monkeypatch.setattr(services, "clients_import_create", create_then_die)
    with pytest.raises(WorkerDied):
        runs.import_commit_run(job.pk, attempt=job.attempt)
    monkeypatch.setattr(services, "clients_import_create", real_create)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING
    assert not Client.objects.exists()

    silent_for(job, 11)
    shown = page(client, job)
    assert "The import was interrupted (the background worker stopped)." in shown
    assert "Nothing was written: the clients are saved all together or not at all" in shown
    assert not Client.objects.exists()
    assert not TimelineEntry.objects.exists()
    assert not AuditEntry.objects.filter(action="client.import").exists()

    check(client, job)
    run_worker()
    commit(client, job, "all")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, rows)
    assert Client.objects.count() == rows


def test_a_run_that_wakes_up_after_it_was_marked_interrupted_writes_nothing(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows, bad_rows=(3, 1200)))
    check(client, job)

    def stalled_too_long():
        silent_for(job, 11)
        assert cleanup.imports_fail_interrupted() == 1

    on_chunk(monkeypatch, 2, stalled_too_long)
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("The check was interrupted")
    assert (job.checked_rows, job.valid_rows) == (1000, 0)
    assert not job.row_errors.exists()
    assert not default_storage.exists(runs.checked_rows_name(job))


def test_an_import_that_wakes_up_after_it_was_marked_interrupted_writes_nothing(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows))
    check(client, job)
    run_worker()
    commit(client, job, "all")

    def stalled_too_long():
        silent_for(job, 11)
        assert cleanup.imports_fail_interrupted() == 1

    on_chunk(monkeypatch, 1, stalled_too_long)
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("The import was interrupted")
    assert not Client.objects.exists()
    task = DBTaskResult.objects.get(task_path__endswith="commit_import")
    assert task.status == TaskResultStatus.FAILED


def test_a_check_cut_off_and_started_again_is_not_mixed_with_the_new_one(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows, bad_rows=(3, 1200)))
    check(client, job)
    first_attempt = ClientImport.objects.get(pk=job.pk).attempt

    def stalled_then_checked_again():
        silent_for(job, 11)
        cleanup.imports_fail_interrupted()
        check(client, job)  # the user starts over while the first run is still stalled

    on_chunk(monkeypatch, 2, stalled_then_checked_again)
    run_worker()  # the first run goes on, then the new one runs
    job.refresh_from_db()
    assert job.attempt == first_attempt + 1
    assert (job.status, job.checked_rows, job.valid_rows) == (ImportStatus.CHECKED, rows, rows - 2)
    assert [error.row for error in job.row_errors.all()] == [5, 1202]
    assert not default_storage.exists(runs.checked_rows_name(job, first_attempt))
    assert default_storage.exists(runs.checked_rows_name(job))


def test_a_run_that_is_alive_is_never_marked_interrupted(login, owner):
    client = login(owner)
    job = uploaded(client, big_csv(jobs.INLINE_ROWS + 1))
    check(client, job)
    silent_for(job, 9)
    assert cleanup.imports_fail_interrupted() == 0
    assert 'hx-trigger="every 1s"' in page(client, job)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING


@POSTGRES_ONLY
def test_a_run_writing_its_clients_is_never_taken_for_dead_however_long_it_writes(
    login, owner, run_worker, monkeypatch
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows))
    check(client, job)
    run_worker()
    commit(client, job, "all")
    monkeypatch.setattr(cleanup, "STALE_AFTER", timedelta(0))  # any silence looks too long
    real_create = services.clients_import_create
    marked, kept_waiting = [], []

    def cleanup_meanwhile():
        try:
            marked.append(cleanup.imports_fail_interrupted())
        finally:
            connections.close_all()

    def create_while_the_cleanup_runs(**kwargs):
        if not marked:
            other = threading.Thread(target=cleanup_meanwhile)
            other.start()
            other.join(timeout=10)
            kept_waiting.append(other.is_alive())
        return real_create(**kwargs)

    monkeypatch.setattr(services, "clients_import_create", create_while_the_cleanup_runs)
    run_worker()
    assert (marked, kept_waiting) == ([0], [False])
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, rows)


ROOT = Path(__file__).resolve().parents[2]
# `fitnesscrm worker` in a process of its own, which stops for good once the first
# chunk of clients is written (in the import's open transaction) and says so in a file.
STALLING_WORKER = """
import pathlib, sys, time
import django

django.setup()
from django.core.management import call_command
from fitnesscrm.clients import services

real_create = services.clients_import_create

def create_then_stall(**kwargs):
    clients = real_create(**kwargs)
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(300)
    return clients

services.clients_import_create = create_then_stall
call_command("worker", "--batch", "--no-startup-delay")
"""


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@POSTGRES_ONLY
def test_an_import_whose_worker_process_is_killed_while_writing_wrote_nothing(
    login, owner, run_worker, settings, tmp_path
):
    rows = jobs.INLINE_ROWS + 500
    client = login(owner)
    job = uploaded(client, big_csv(rows))
    check(client, job)
    run_worker()
    commit(client, job, "all")
    writing = tmp_path / "writing"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fitnesscrm.settings",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DEBUG": "true",
    }
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(  # noqa: S603 (our own code, no shell)
        [sys.executable, "-c", STALLING_WORKER, str(writing)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not writing.exists():
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker never started writing"
            time.sleep(0.1)
    finally:
        worker.kill()  # SIGKILL: no handler, no rollback by the process itself
        worker.wait(timeout=30)
        log.close()
    assert not Client.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING

    silent_for(job, 11)
    assert "The import was interrupted (the background worker stopped)" in page(client, job)
    assert not Client.objects.exists()
    check(client, job)
    run_worker()
    commit(client, job, "all")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, rows)
    assert Client.objects.count() == rows


def test_the_cleanup_task_runs_in_the_worker_and_returns_its_counts(login, owner, run_worker):
    client = login(owner)
    stuck = uploaded(client, big_csv(jobs.INLINE_ROWS + 1))
    check(client, stuck)
    DBTaskResult.objects.all().delete()  # the worker that should have checked it is gone
    silent_for(stuck, 11)
    left = uploaded(client, big_csv(3))
    long_ago = timezone.now() - timedelta(days=8)
    ClientImport.objects.filter(pk=left.pk).update(created_at=long_ago, updated_at=long_ago)

    cleanup_imports.enqueue()
    run_worker()
    [task] = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.return_value == {
        "interrupted": 1,
        "finished": 0,
        "abandoned": 1,
        "files": 1,
        "row_errors": 0,
        "failed": 0,
    }
    stuck.refresh_from_db()
    left.refresh_from_db()
    assert (stuck.status, left.status) == (ImportStatus.FAILED, ImportStatus.CANCELLED)
    assert not left.file
