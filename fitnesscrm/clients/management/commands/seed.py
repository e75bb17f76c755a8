"""`fitnesscrm seed --clients N --trainers M`: volume for benchmarks, with a progress bar."""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.clients import counting
from fitnesscrm.clients.demo import EMAIL_DOMAINS, GOALS, ORIGINS, TAGS, ascii_slug
from fitnesscrm.clients.models import (
    Assignment,
    Client,
    EntryKind,
    LeadStage,
    Source,
    Status,
    Tag,
    TimelineEntry,
)
from fitnesscrm.core import generations
from fitnesscrm.core.roles import Role
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers import selectors as trainer_selectors
from fitnesscrm.trainers.models import Trainer

SEED_DOMAIN = "seed.fitnesscrm.test"
# (status, weight): mostly active members, a pipeline of leads, some who left.
STATUSES = [
    (Status.ACTIVE, 60),
    (Status.LEAD, 15),
    (Status.TRIAL, 5),
    (Status.PAUSED, 8),
    (Status.INACTIVE, 12),
]
SOURCES = [Source.WALK_IN, Source.REFERRAL, Source.WEBSITE, Source.SOCIAL, Source.OTHER]
OPEN_STAGES = [LeadStage.NEW, LeadStage.CONTACTED, LeadStage.LOST]
COLOURS = ["#1f8a70", "#6f42c1", "#dc3545", "#fd7e14", "#0d6efd", "#20c997", "#d63384"]


class Progress:
    """A one-line progress bar on stderr; one line per step when stderr is not a terminal."""

    def __init__(self, stream, total: int, label: str, width: int = 30):
        self.stream, self.total, self.label, self.width = stream, total, label, width
        self.started = time.monotonic()
        self.tty = getattr(stream, "isatty", lambda: False)()

    def update(self, done: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        filled = int(self.width * done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        line = (
            f"{self.label} [{bar}] {done:,}/{self.total:,} "
            f"{100 * done / max(self.total, 1):3.0f}%  {done / elapsed:,.0f}/s"
        )
        if self.tty:
            self.stream.write("\r" + line, ending="")
        else:
            self.stream.write(line)
        self.stream.flush()

    def finish(self) -> float:
        if self.tty:
            self.stream.write("")
        return time.monotonic() - self.started


class Command(BaseCommand):
    help = (
        "Add N clients (with trainers, tags and assignments) for load tests. Not idempotent: "
        "each run adds more. Never run it on a real gym's database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, required=True, help="Clients to add.")
        parser.add_argument(
            "--trainers",
            type=int,
            default=0,
            help="Trainers to add first (0: assign clients to the existing active trainers).",
        )
        parser.add_argument("--batch", type=int, default=5000, help="Rows per transaction.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, clients, trainers, batch, seed, **options):
        if clients < 0 or trainers < 0:
            raise CommandError("--clients and --trainers must be zero or more.")
        if not 1 <= batch <= 50_000:
            raise CommandError("--batch must be between 1 and 50000.")
        rng = random.Random(seed)  # noqa: S311 - test data, not secrets  # nosec B311
        started = time.monotonic()
        coaches = self.add_trainers(rng, trainers)
        if not coaches:
            coaches = list(Trainer.objects.filter(is_active=True).values_list("pk", flat=True))
        tags = [
            (
                Tag.objects.filter(name__iexact=name).first()
                or Tag.objects.create(name=name, colour=colour)
            ).pk
            for name, colour in TAGS
        ]
        progress = Progress(self.stderr, clients, "Clients")
        # Numbers in the emails continue after the highest id, so runs never collide.
        number = (Client.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        done = 0
        while done < clients:
            size = min(batch, clients - done)
            with transaction.atomic():
                self.add_batch(rng, size, number, coaches, tags)
            number += size
            done += size
            progress.update(done)
        seconds = progress.finish()
        if connection.vendor == "postgresql":
            # Fresh statistics, so the planner knows the tables grew (autovacuum is lazier).
            with connection.cursor() as cursor:
                for model in (Client, Client.tags.through, Assignment, TimelineEntry):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self.stdout.write(
            f"Seeded {clients:,} clients and {len(coaches) if trainers else 0} trainers in "
            f"{time.monotonic() - started:.1f} s ({clients / max(seconds, 1e-9):,.0f} clients/s)."
        )

    # --- Trainers ------------------------------------------------------------------------

    @transaction.atomic
    def add_trainers(self, rng: random.Random, count: int) -> list[int]:
        if not count:
            return []
        first = User.objects.filter(email__endswith=f"@{SEED_DOMAIN}").count() + 1
        users = []
        for k in range(first, first + count):
            _origin, _w, firsts, lasts, _phones = rng.choice(ORIGINS)
            user = User(
                email=f"coach{k}@{SEED_DOMAIN}",
                full_name=f"{rng.choice(firsts)} {rng.choice(lasts)}",
                role=Role.TRAINER,
            )
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users)
        profiles = [
            Trainer(
                user=user,
                colour=rng.choice(COLOURS),
                hourly_rate_minor=rng.choice([3500, 4000, 4500, 5000]),
                search_text=search_key(user.full_name, user.email)[:400],
            )
            for user in users
        ]
        Trainer.objects.bulk_create(profiles)
        generations.changed(trainer_selectors.GENERATION)  # bulk_create sends no signals
        return [trainer.pk for trainer in profiles]

    # --- Clients -------------------------------------------------------------------------

    def add_batch(self, rng, size: int, number: int, coaches: list[int], tags: list[int]) -> None:
        today = timezone.localdate()
        statuses = [s for s, _ in STATUSES]
        weights = [w for _, w in STATUSES]
        slugs: dict[str, str] = {}
        rows = []
        for n in range(number, number + size):
            _origin, _w, firsts, lasts, phones = rng.choices(
                ORIGINS, weights=[o[1] for o in ORIGINS]
            )[0]
            first, last = rng.choice(firsts), rng.choice(lasts)
            for name in (first, last):
                if name not in slugs:
                    slugs[name] = ascii_slug(name)
            email = f"{slugs[first]}.{slugs[last]}.{n}@{rng.choice(EMAIL_DOMAINS)}"
            prefix, length = rng.choice(phones)
            phone = f"{prefix}{rng.randrange(10**length):0{length}d}"
            status = rng.choices(statuses, weights=weights)[0]
            if status == Status.LEAD:
                stage = rng.choice(OPEN_STAGES)
            elif status == Status.TRIAL:
                stage = LeadStage.TRIAL_BOOKED
            else:
                stage = LeadStage.WON
            client = Client(
                first_name=first,
                last_name=last,
                email=email,
                phone=phone,
                status=status,
                lead_stage=stage,
                lost_reason="No reply after three calls." if stage == LeadStage.LOST else "",
                source=rng.choice(SOURCES),
                goals=rng.choice(GOALS) if rng.random() < 0.5 else "",
                date_of_birth=(
                    today - timedelta(days=rng.randint(18 * 365, 75 * 365))
                    if rng.random() < 0.6
                    else None
                ),
                # As Client.save() computes it (bulk_create does not call save()).
                search_text=search_key(first, last, email, phone, phone.lstrip("+"))[:600],
            )
            rows.append(client)
        Client.objects.bulk_create(rows, batch_size=size)
        counting.clients_changed()  # bulk_create sends no signals

        Through = Client.tags.through
        links = [
            Through(client_id=client.pk, tag_id=rng.choice(tags))
            for client in rows
            if rng.random() < 0.25
        ]
        Through.objects.bulk_create(links, batch_size=size)
        if coaches:
            assignments = [
                Assignment(
                    client_id=client.pk,
                    trainer_id=rng.choice(coaches),
                    is_primary=True,
                    start_date=today - timedelta(days=rng.randint(0, 365)),
                    end_date=None,
                )
                for client in rows
                if client.status in (Status.ACTIVE, Status.TRIAL, Status.PAUSED)
                and rng.random() < 0.85
            ]
            Assignment.objects.bulk_create(assignments, batch_size=size)
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    client_id=client.pk,
                    kind=EntryKind.SYSTEM,
                    body="Record created (seed).",
                    data={"status": client.status},
                )
                for client in rows
            ],
            batch_size=size,
        )
