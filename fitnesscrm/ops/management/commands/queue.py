"""`fitnesscrm queue status [--json]` and `fitnesscrm queue requeue-stale --minutes N [--yes]`."""

import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fitnesscrm.ops.queue import report, requeue_stale, stale_running


class Command(BaseCommand):
    help = (
        "The background task queue: `status` shows what waits, runs and failed; "
        "`requeue-stale --minutes N` puts tasks left RUNNING by a dead worker back in the queue."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help="Counts, waiting tasks, running and failed.")
        status.add_argument("--json", action="store_true", help="Print one JSON object.")
        requeue = actions.add_parser(
            "requeue-stale",
            help="Put tasks RUNNING for more than N minutes back in the queue (stop the "
            "workers that held them first).",
        )
        requeue.add_argument("--minutes", type=int, required=True)
        requeue.add_argument(
            "--yes", action="store_true", help="Do it; without it, only list the tasks."
        )

    def handle(self, *args, action: str, **options):
        if action == "status":
            self._status(as_json=options["json"])
        else:
            self._requeue(options["minutes"], options["yes"])

    def _status(self, *, as_json: bool) -> None:
        now = timezone.now()
        data = report(now).as_dict(now)
        if as_json:
            self.stdout.write(json.dumps(data, indent=2))
            return
        counts = ", ".join(f"{status.lower()} {n}" for status, n in data["counts"].items())
        self.stdout.write(f"Tasks: {counts}")
        self.stdout.write(f"Oldest waiting task: {data['oldest_waiting_seconds']:.0f} s")
        for task, n in data["waiting_by_task"].items():
            self.stdout.write(f"  waiting  {n:6d}  {task}")
        for task in data["running"]:
            self.stdout.write(
                f"  running  {task['running_seconds'] or 0:8.0f} s  {task['task']}  "
                f"worker {task['worker']}  id {task['id']}"
            )
        for task, n in data["failed_last_24h_by_task"].items():
            self.stdout.write(f"  failed in the last 24 h  {n:6d}  {task}")

    def _requeue(self, minutes: int, yes: bool) -> None:
        if minutes < 1:
            raise CommandError("--minutes must be at least 1.")
        older_than = timedelta(minutes=minutes)
        if not yes:
            stale = list(stale_running(older_than).values_list("id", "task_path", "worker_ids"))
            for task_id, path, workers in stale:
                self.stdout.write(f"would requeue {task_id}  {path}  worker {workers[-1:]}")
            self.stdout.write(
                f"{len(stale)} task(s) running for more than {minutes} min. "
                "Stop the workers that hold them, then run again with --yes."
            )
            return
        requeued = requeue_stale(older_than)
        for task_id in requeued:
            self.stdout.write(f"requeued {task_id}")
        self.stdout.write(f"{len(requeued)} task(s) put back in the queue.")
