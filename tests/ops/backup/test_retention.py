"""Retention over 400 days of daily sets keeps exactly the expected daily, weekly and
monthly copies, on disk and in the bucket, and touches nothing else."""

from datetime import UTC, datetime, timedelta

import pytest

from fitnesscrm.ops.backup.create import prune
from fitnesscrm.ops.backup.retention import Policy, to_keep
from fitnesscrm.ops.backup.storage import LocalStore, S3Store, set_name
from tests.ops.backup.conftest import BUCKET, keys

# The last set: Sunday 15 June 2025 at 02:00 UTC; one set a day for 400 days before it.
LAST = datetime(2025, 6, 15, 2, 0, tzinfo=UTC)
DAYS = [LAST - timedelta(days=n) for n in range(400)]
POLICY = Policy(daily=7, weekly=4, monthly=12)

EXPECTED = {
    # daily: the last 7 days
    *(datetime(2025, 6, day, 2, 0, tzinfo=UTC) for day in range(9, 16)),
    # weekly: the newest of the ISO weeks ending 8, 1 June and 25 May (the 4th is this week)
    datetime(2025, 6, 8, 2, 0, tzinfo=UTC),
    datetime(2025, 6, 1, 2, 0, tzinfo=UTC),
    datetime(2025, 5, 25, 2, 0, tzinfo=UTC),
    # monthly: the last day of each of the 11 months before June (June's is the newest set)
    *(
        datetime(year, month, day, 2, 0, tzinfo=UTC)
        for year, month, day in [
            (2025, 5, 31),
            (2025, 4, 30),
            (2025, 3, 31),
            (2025, 2, 28),
            (2025, 1, 31),
            (2024, 12, 31),
            (2024, 11, 30),
            (2024, 10, 31),
            (2024, 9, 30),
            (2024, 8, 31),
            (2024, 7, 31),
        ]
    ),
}


def test_the_policy_keeps_the_newest_of_the_last_days_weeks_and_months():
    assert len(EXPECTED) == 21
    assert to_keep(DAYS, POLICY) == EXPECTED


def test_every_set_of_the_24_hours_before_the_newest_is_kept_then_one_a_day():
    before_upgrade = datetime(2025, 6, 14, 21, 0, tzinfo=UTC)  # made by hand
    early = datetime(2025, 6, 14, 3, 0, tzinfo=UTC)  # 23 hours before the newest

    kept = to_keep([*DAYS, before_upgrade, early], POLICY)

    assert before_upgrade in kept
    assert early in kept
    # 24 hours before the newest and not the newest of its day: it goes.
    assert datetime(2025, 6, 14, 2, 0, tzinfo=UTC) not in kept
    assert kept == (EXPECTED - {datetime(2025, 6, 14, 2, 0, tzinfo=UTC)}) | {before_upgrade, early}


def test_backups_that_stopped_months_ago_keep_their_last_copies():
    stopped = [LAST - timedelta(days=200 + n) for n in range(30)]

    kept = to_keep(stopped, POLICY)

    assert {LAST - timedelta(days=200 + n) for n in range(7)} <= kept


def fill_local(folder):
    folder.mkdir(exist_ok=True)
    for moment in DAYS:
        (folder / set_name(moment)).write_bytes(b"set")
        (folder / f"{set_name(moment)}.sha256").write_text("x  y\n")
    (folder / "backup.log").write_text("log")
    (folder / "notes.tar").write_text("someone else's file")


def test_pruning_the_backup_folder_deletes_exactly_the_sets_not_kept(tmp_path):
    fill_local(tmp_path)

    deleted = prune(LocalStore(tmp_path), POLICY)

    assert len(deleted) == 400 - 21
    remaining = sorted(path.name for path in tmp_path.iterdir())
    expected_sets = sorted(set_name(moment) for moment in EXPECTED)
    assert remaining == sorted(
        [*expected_sets, *(f"{name}.sha256" for name in expected_sets), "backup.log", "notes.tar"]
    )


@pytest.mark.django_db(databases=[])
def test_pruning_the_bucket_deletes_exactly_the_sets_not_kept(bucket):
    for moment in DAYS:
        bucket.put_object(Bucket=BUCKET, Key=f"nightly/{set_name(moment)}", Body=b"set")
        bucket.put_object(Bucket=BUCKET, Key=f"nightly/{set_name(moment)}.sha256", Body=b"x")
    bucket.put_object(Bucket=BUCKET, Key="other/keep-me.tar", Body=b"x")
    store = S3Store(BUCKET, "nightly/", bucket)

    deleted = prune(store, POLICY)

    assert len(deleted) == 400 - 21
    expected_sets = sorted(set_name(moment) for moment in EXPECTED)
    assert keys(bucket) == sorted(
        [
            "other/keep-me.tar",
            *(f"nightly/{name}" for name in expected_sets),
            *(f"nightly/{name}.sha256" for name in expected_sets),
        ]
    )
