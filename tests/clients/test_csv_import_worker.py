"""Large CSV imports run in the worker: the page shows progress and the request does not wait.

Real commits (transaction=True), because the worker and the all-or-nothing import
are about what a transaction keeps or undoes.
"""

import io
import signal

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fitnesscrm.clients import services
from fitnesscrm.clients.imports import jobs
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
    # Before each chunk's update, the count of the chunks before it was committed.
    assert seen[:2] == [0, 1000]


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
