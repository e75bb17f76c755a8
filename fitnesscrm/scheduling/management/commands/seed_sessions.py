"""`fitnesscrm seed_sessions --sessions N`: a deep calendar for benchmarks, with a progress bar.

Sessions are spread over the active trainers, back to back in their working day
(07:00 to 20:00, one hour each, Monday to Saturday), going back in time from next
week, so that no trainer is ever in two sessions at once. On PostgreSQL rows go in
with COPY. Not idempotent: each run adds more. Never run it on a real gym's database.
"""

import random
import uuid
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from fitnesscrm.clients.management.commands.seed import Progress
from fitnesscrm.scheduling.models import Kind, Session, SessionStatus
from fitnesscrm.trainers.models import Trainer

HOURS = range(7, 20)
COLUMNS = (
    "uid", "kind", "title", "description", "trainer_id", "video_url", "starts_at", "ends_at",
    "capacity", "status", "cancel_reason", "booked_count", "waitlist_count", "sequence",
    "created_at", "updated_at",
)  # fmt: skip


class Command(BaseCommand):
    help = (
        "Add N one-hour sessions across the active trainers, going back in time, for load "
        "tests. Not idempotent. Never run it on a real gym's database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sessions", type=int, required=True, help="Sessions to add.")
        parser.add_argument(
            "--trainer", type=int, action="append", default=[],
            help="Only these trainer ids (repeatable); default: every active trainer.",
        )  # fmt: skip
        parser.add_argument("--batch", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, sessions, trainer, batch, seed, **options):
        if sessions < 1:
            raise CommandError("--sessions must be at least 1.")
        trainers = Trainer.objects.filter(is_active=True)
        if trainer:
            trainers = trainers.filter(pk__in=trainer)
        trainer_ids = list(trainers.order_by("pk").values_list("pk", flat=True))
        if not trainer_ids:
            raise CommandError("No active trainers: run `fitnesscrm seed --trainers M` first.")
        rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets  # nosec B311
        zone = timezone.get_current_timezone()
        # Each trainer's seeded sessions end before anything already seeded for them.
        earliest = Session.objects.filter(trainer_id__in=trainer_ids).aggregate(m=Min("starts_at"))
        end_day = timezone.localdate() + timedelta(days=14)
        if earliest["m"] is not None:
            end_day = min(end_day, timezone.localtime(earliest["m"]).date() - timedelta(days=1))
        progress = Progress(self.stderr, sessions, "sessions")
        done = 0
        slots = self._slots(end_day, zone)
        now = timezone.now()
        while done < sessions:
            rows = []
            for _ in range(min(batch, sessions - done)):
                # One slot per trainer in turn: each trainer's calendar is filled evenly.
                if not rows or len(rows) % len(trainer_ids) == 0:
                    starts = next(slots)
                trainer_id = trainer_ids[len(rows) % len(trainer_ids)]
                status = SessionStatus.COMPLETED if starts < now else SessionStatus.SCHEDULED
                if rng.random() < 0.03:
                    status = SessionStatus.CANCELLED
                rows.append(
                    (
                        uuid.uuid4(), Kind.PERSONAL, "Personal training", "", trainer_id, "",
                        starts, starts + timedelta(hours=1), 1, status, "", 0, 0, 0, now, now,
                    )
                )  # fmt: skip
            self._write(rows)
            done += len(rows)
            progress.update(done)
        seconds = progress.finish()
        self.stdout.write(
            f"Added {done:,} sessions for {len(trainer_ids)} trainers in {seconds:.1f} s."
        )

    @staticmethod
    def _slots(end_day, zone):
        """One-hour slots going back in time from `end_day`, Monday to Saturday."""
        day = end_day
        while True:
            if day.weekday() < 6:
                for hour in reversed(HOURS):
                    yield datetime.combine(day, time(hour)).replace(tzinfo=zone)
            day -= timedelta(days=1)

    @transaction.atomic
    def _write(self, rows: list[tuple]) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                copy_sql = f"COPY scheduling_session ({', '.join(COLUMNS)}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        Session.objects.bulk_create(
            [Session(**dict(zip(COLUMNS, row, strict=True))) for row in rows], batch_size=500
        )
