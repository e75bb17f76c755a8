"""`fitnesscrm serve`: the ASGI web server, optionally with the background worker beside it."""

import signal
import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app with uvicorn on HOST:PORT; --with-worker also runs the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--with-worker", action="store_true", help="Run `fitnesscrm worker` beside the server."
        )

    def handle(self, *args, host, port, workers, with_worker, **options):
        worker = None
        if with_worker:
            worker = subprocess.Popen(
                [sys.executable, "-m", "fitnesscrm.cli", "worker", "--no-startup-delay"]
            )
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        try:
            uvicorn.run(
                "fitnesscrm.asgi:application",
                host=host,
                port=port,
                workers=workers,
                log_level=settings.LOG_LEVEL.lower(),
                proxy_headers=False,
                server_header=False,
                lifespan="off",
            )
        finally:
            if worker is not None and worker.poll() is None:
                # The worker finishes its current task on SIGTERM, then exits.
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
            self.stdout.write("Stopped.")
