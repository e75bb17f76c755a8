"""Old client imports lose their file, first rows and row problems; their record stays.

Runs whose worker stopped are marked interrupted by the same cleanup; what a worker
does when it dies or wakes up is in test_csv_import_worker.py.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from fitnesscrm.clients import services
from fitnesscrm.clients.imports import cleanup, jobs
from fitnesscrm.clients.models import ClientImport, ImportStatus
from fitnesscrm.core.models import AuditEntry
from tests.clients.test_csv_import import check, checked, commit, uploaded
from tests.clients.test_csv_import_worker import big_csv, silent_for


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def one_good_one_bad(name: str) -> bytes:
    """Two rows: one client, and one row without a first name."""
    email = f"{name.lower()}@example.test"
    return f"First name,Email\n{name},{email}\n,other.{email}\n".encode()


def days_ago(job: ClientImport, days: int) -> None:
    """As if everything that happened to the import had happened `days` earlier."""
    shift = timedelta(days=days)
    ClientImport.objects.filter(pk=job.pk).update(
        created_at=F("created_at") - shift,
        updated_at=F("updated_at") - shift,
        finished_at=F("finished_at") - shift,
        heartbeat_at=F("heartbeat_at") - shift,
    )


def cleanup_output() -> str:
    out = io.StringIO()
    call_command("imports_cleanup", stdout=out)
    return out.getvalue()


def stored_files(media_root) -> set[str]:
    folder = media_root / "imports"
    return {f"imports/{path.name}" for path in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def imports(login, owner, monkeypatch):
    """One import of each kind, some ended (or left) 8 days ago and some recently."""
    client = login(owner)
    made = {}

    made["done_old"] = checked(client, one_good_one_bad("Ada"))
    commit(client, made["done_old"], "valid")

    made["failed_old"] = checked(client, one_good_one_bad("Bea"))
    real_create = services.clients_import_create

    def failing_create(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "clients_import_create", failing_create)
    commit(client, made["failed_old"], "valid")
    monkeypatch.setattr(services, "clients_import_create", real_create)

    made["cancelled_old"] = uploaded(client, one_good_one_bad("Cat"))
    client.post(f"/clients/import/{made['cancelled_old'].pk}/cancel/")
    made["uploaded_old"] = uploaded(client, one_good_one_bad("Dan"))
    made["checked_old"] = checked(client, one_good_one_bad("Eve"))
    for job in made.values():
        days_ago(job, 8)

    made["done_recent"] = checked(client, one_good_one_bad("Fay"))
    commit(client, made["done_recent"], "valid")
    days_ago(made["done_recent"], 2)
    made["checked_recent"] = checked(client, one_good_one_bad("Gus"))
    days_ago(made["checked_recent"], 6)
    for job in made.values():
        job.refresh_from_db()
    assert made["failed_old"].status == ImportStatus.FAILED
    assert made["cancelled_old"].status == ImportStatus.CANCELLED
    return made


def test_the_cleanup_deletes_what_old_imports_hold_and_keeps_their_record(
    imports, media_root, owner
):
    old = ["done_old", "failed_old", "cancelled_old", "uploaded_old", "checked_old"]
    old_files = {imports[name].file.name for name in ("failed_old", "uploaded_old", "checked_old")}
    assert old_files <= stored_files(media_root)

    output = cleanup_output()
    assert output.splitlines() == [
        "Interrupted (no sign of life for 10 minutes), marked failed: 0",
        "Ended more than 7 days ago, cleaned: 3",
        "Left unfinished for 7 days, cancelled and cleaned: 2",
        "Deleted: 3 uploaded files, 3 row problems.",
    ]
    for name in old:
        job = ClientImport.objects.get(pk=imports[name].pk)
        assert job.purged_at is not None, name
        assert (job.file.name, job.preview, job.row_errors.count()) == ("", [], 0), name
        assert job.created_by == owner
        assert job.total_rows == 2
    # Only the recent import that still waits to be imported keeps files: the upload and
    # its checked rows.
    recent = imports["checked_recent"]
    assert stored_files(media_root) == {recent.file.name, f"{recent.file.name}.1.valid.jsonl"}

    done = ClientImport.objects.get(pk=imports["done_old"].pk)
    assert (done.status, done.imported_rows, done.error_rows) == (ImportStatus.DONE, 1, 1)
    failed = ClientImport.objects.get(pk=imports["failed_old"].pk)
    assert failed.status == ImportStatus.FAILED
    assert failed.message.startswith("Nothing was imported")
    for name in ("uploaded_old", "checked_old"):
        left = ClientImport.objects.get(pk=imports[name].pk)
        assert left.status == ImportStatus.CANCELLED
        assert left.message == (
            "Cancelled automatically: nothing was done with this import for 7 days, so its "
            "file was deleted. Nothing was imported."
        )
    for name in ("done_recent", "checked_recent"):
        job = ClientImport.objects.get(pk=imports[name].pk)
        assert job.purged_at is None
        assert job.row_errors.count() == 1
    assert ClientImport.objects.get(pk=recent.pk).preview

    purges = AuditEntry.objects.filter(action="client_import.purge")
    assert {int(entry.object_id) for entry in purges} == {
        imports[name].pk for name in ("done_old", "failed_old", "uploaded_old", "checked_old")
    }
    assert {entry.actor_label for entry in purges} == {""}

    # Nothing is left to do the second time.
    assert cleanup_output().splitlines()[1:] == [
        "Ended more than 7 days ago, cleaned: 0",
        "Left unfinished for 7 days, cancelled and cleaned: 0",
        "Deleted: 0 uploaded files, 0 row problems.",
    ]


def test_the_retention_comes_from_the_setting(imports, settings):
    settings.CLIENT_IMPORT_RETENTION_DAYS = 30
    assert "Ended more than 30 days ago, cleaned: 0" in cleanup_output()
    assert not ClientImport.objects.filter(purged_at__isnull=False).exists()
    settings.CLIENT_IMPORT_RETENTION_DAYS = 5
    output = cleanup_output()
    assert "Ended more than 5 days ago, cleaned: 3" in output
    assert "Left unfinished for 5 days, cancelled and cleaned: 3" in output


def test_a_retention_under_one_day_is_refused(db, settings):
    settings.CLIENT_IMPORT_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="CLIENT_IMPORT_RETENTION_DAYS must be 1 or more"):
        call_command("imports_cleanup", stdout=io.StringIO())


def test_the_pages_of_a_cleaned_import_say_what_was_deleted(imports, login, owner):
    cleanup_output()
    client = login(owner)

    failed = imports["failed_old"]
    page = client.get(f"/clients/import/{failed.pk}/").content.decode()
    assert "were deleted on" in page
    assert "every import keeps them for 7 days after it ends" in page
    assert "Upload the file again" in page
    assert "Check the file again" not in page
    assert (
        "Match the columns"
        not in client.get(f"/clients/import/{failed.pk}/?mapping").content.decode()
    )
    response = check(client, failed, {"0": "first_name"})
    assert response.status_code == 302
    followed = client.get(response["Location"]).content.decode()
    assert "The file of this import was deleted; upload it again." in followed
    failed.refresh_from_db()
    assert failed.status == ImportStatus.FAILED

    done = client.get(f"/clients/import/{imports['done_old'].pk}/").content.decode()
    assert "1 row with errors was skipped." in done
    assert "Problems found" not in done
    assert "were deleted on" in done

    left = client.get(f"/clients/import/{imports['checked_old'].pk}/").content.decode()
    assert "Cancelled automatically: nothing was done with this import for 7 days" in left
    assert "Import all" not in left

    listing = client.get("/clients/import/").content.decode()
    assert listing.count("Cancelled") == 3


def test_an_import_its_user_takes_up_while_the_cleanup_runs_is_left_alone(login, owner):
    client = login(owner)
    job = uploaded(client, one_good_one_bad("Hal"))
    days_ago(job, 8)
    seen_by_the_cleanup = ClientImport.objects.get(pk=job.pk)
    check(client, job)  # the user maps the columns at that very moment
    report = cleanup.CleanupReport()
    cleanup._purge(seen_by_the_cleanup, now=timezone.now(), days=7, report=report)
    job.refresh_from_db()
    assert (job.status, job.purged_at) == (ImportStatus.CHECKED, None)
    assert job.file and job.preview
    assert report == cleanup.CleanupReport()


def test_the_cleanup_marks_interrupted_runs_failed_and_leaves_live_ones(login, owner):
    client = login(owner)
    stuck = uploaded(client, big_csv(jobs.INLINE_ROWS + 1))
    check(client, stuck)
    alive = uploaded(client, big_csv(jobs.INLINE_ROWS + 1))
    check(client, alive)
    silent_for(stuck, 11)
    silent_for(alive, 9)
    output = cleanup_output()
    assert "Interrupted (no sign of life for 10 minutes), marked failed: 1" in output
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert (stuck.status, alive.status) == (ImportStatus.FAILED, ImportStatus.CHECKING)
    assert stuck.message.startswith("The check was interrupted (the background worker stopped).")
    assert stuck.file  # kept, to be checked again
    # Its file is deleted with the others' once it has been failed for the retention.
    assert "Ended more than 7 days ago, cleaned: 0" in cleanup_output()


def test_a_stuck_import_is_shown_as_interrupted_on_its_page(login, owner):
    client = login(owner)
    job = uploaded(client, big_csv(jobs.INLINE_ROWS + 1))
    check(client, job)
    silent_for(job, 11)
    page = client.get(f"/clients/import/{job.pk}/").content.decode()
    assert "The check was interrupted (the background worker stopped)." in page
    assert "Check the file again" in page
    assert 'hx-trigger="every 1s"' not in page
