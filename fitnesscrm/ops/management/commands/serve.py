"""`fitnesscrm serve`: the web server (gunicorn, WSGI), optionally with the worker and scheduler.

Gunicorn's pre-forked sync workers each handle one request at a time, fully, in
their own process: the right model for a Django app whose views are all
synchronous. (An ASGI server runs such views on a thread beside its event loop and
costs 3 ms and more per request here; docs/adr/0002-wsgi-server.md.) In production
nginx sits in front and buffers slow clients, which a sync worker must not wait for.
"""

import signal
import subprocess  # nosec B404 # runs our own worker and scheduler
import sys

import gunicorn.app.base
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# A request that runs longer than this is stuck: gunicorn replaces its worker. The
# longest legitimate one is a CSV export of 100,000 clients (about 10 s).
REQUEST_TIMEOUT_SECONDS = 120


class _Server(gunicorn.app.base.BaseApplication):
    """Gunicorn configured from here only (no gunicorn.conf.py, no GUNICORN_CMD_ARGS)."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from fitnesscrm.wsgi import application

        return application


def _worker_exited(server, worker) -> None:
    """Keep a finished worker's counters, drop its gauges (prometheus_client's rule)."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def gunicorn_options(*, host: str, port: int, workers: int) -> dict:
    verbose = settings.LOG_LEVEL in ("DEBUG", "INFO")
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "graceful_timeout": 20,
        # Workers are replaced now and then, so that no slow leak can grow for weeks.
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "proc_name": "fitnesscrm",
        "accesslog": "-" if verbose else None,
        "errorlog": "-",
        "loglevel": settings.LOG_LEVEL.lower(),
        # Whether a request came over HTTPS is decided by Django's settings alone
        # (HTTPS, BEHIND_PROXY), never by headers gunicorn would trust on its own.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        "control_socket_disable": True,
        "child_exit": _worker_exited,
    }


def _require_collected_static() -> None:
    """Refuse to start when pages could not name their hashed static files.

    Without the manifest every page that links a stylesheet fails with a 500; the
    cause is a missing `collectstatic` (the image runs it at build time), so say that.
    """
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return
    if not staticfiles_storage.exists(staticfiles_storage.manifest_name):
        raise CommandError(
            f"Static files have not been collected into {settings.STATIC_ROOT}: "
            "run `fitnesscrm collectstatic --noinput` first."
        )


class Command(BaseCommand):
    help = "Serve the app with gunicorn on HOST:PORT; --with-worker also runs the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Web worker processes (default 2; about twice the number of CPU cores).",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Run `fitnesscrm worker` and `fitnesscrm scheduler` beside the server.",
        )

    def handle(self, *args, host, port, workers, with_worker, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        _require_collected_static()
        helpers = []
        if with_worker:
            for args in (["worker", "--no-startup-delay"], ["scheduler"]):
                process = subprocess.Popen([sys.executable, "-m", "fitnesscrm.cli", *args])  # noqa: S603 - our own CLI, fixed arguments  # nosec B603
                helpers.append(process)
                self.stdout.write(f"Background {args[0]} started (pid {process.pid}).")
        try:
            _Server(gunicorn_options(host=host, port=port, workers=workers)).run()
        finally:
            for process in helpers:
                if process.poll() is None:
                    # The worker finishes its current task on SIGTERM, then exits.
                    process.send_signal(signal.SIGTERM)
            for process in helpers:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self.stdout.write("Stopped.")
