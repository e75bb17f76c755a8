"""`fitnesscrm scheduler`: enqueue the periodic jobs of fitnesscrm/periodic.py when due."""

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from fitnesscrm.ops import periodic

# The longest the scheduler sleeps between two looks at the jobs: a job declared in a
# new release, or a clock that jumped, is seen within this delay.
MAX_SLEEP_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Run the scheduler: enqueue each periodic job when it is due (the worker runs "
        "them). SIGTERM or Ctrl-C stops it. --once enqueues what is due and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue what is due, then exit.")
        parser.add_argument(
            "--list", action="store_true", dest="show", help="Show the jobs and when they run."
        )

    def handle(self, *args, once, show, **options):
        if show:
            self._list()
            return
        if once:
            self._tick()
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        names = ", ".join(job.name for job in periodic.declared()) or "none"
        self.stdout.write(f"Scheduler started; jobs: {names}.")
        while not stop.is_set():
            self._tick()
            due = periodic.next_due()
            wait = MAX_SLEEP_SECONDS
            if due is not None:
                wait = min(wait, max(0.5, (due - timezone.now()).total_seconds()))
            close_old_connections()
            stop.wait(wait)
        self.stdout.write("Scheduler stopped.")

    def _tick(self) -> None:
        for name in periodic.jobs_enqueue_due():
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} enqueued {name}")

    def _list(self) -> None:
        from fitnesscrm.ops.models import PeriodicJob

        rows = {row.name: row for row in PeriodicJob.objects.all()}
        for job in periodic.declared():
            row = rows.get(job.name)
            when = f"next {row.next_run_at:%Y-%m-%d %H:%M:%S %Z}" if row else "not run yet"
            self.stdout.write(f"{job.name:<30} every {job.every}  {when}  {job.description}")
