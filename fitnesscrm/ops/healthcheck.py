"""The operator's health check (`scripts/health-check.sh`, `fitnesscrm health_check`).

Unlike /health/ready, which a load balancer asks every few seconds and which answers
only "can this process serve", this looks at the whole installation from the
server: the app answering through its URL, the database, Redis, free disk space, the
task queue, the age of the last verified backup, and the TLS certificate's expiry.

Each check ends OK, WARNING or CRITICAL; the worst decides the exit status (0, 1, 2),
which is what monitoring systems (Nagios, cron mails, Kubernetes Jobs) understand.
"""

import ipaddress
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

OK, WARNING, CRITICAL = "ok", "warning", "critical"
EXIT_CODES = {OK: 0, WARNING: 1, CRITICAL: 2}


@dataclass
class Limits:
    disk_warning_percent: float = 15.0
    disk_critical_percent: float = 5.0
    queue_warning: int = 200
    queue_critical: int = 1000
    oldest_task_warning_seconds: float = 300
    oldest_task_critical_seconds: float = 900
    backup_warning_hours: float = 26
    backup_critical_hours: float = 50
    certificate_warning_days: float = 21
    certificate_critical_days: float = 7


@dataclass
class Result:
    name: str
    status: str
    summary: str
    details: dict = field(default_factory=dict)


def _worst(statuses) -> str:
    return max(statuses, key=lambda status: EXIT_CODES[status], default=OK)


def _graded(value: float, warning: float, critical: float, *, higher_is_worse=True) -> str:
    if higher_is_worse:
        return CRITICAL if value > critical else WARNING if value > warning else OK
    return CRITICAL if value < critical else WARNING if value < warning else OK


def _host_header(url: str) -> dict:
    """Asked by address (127.0.0.1), the app wants a Host it allows: the first of ALLOWED_HOSTS."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return {}  # a name: urllib sends it, and it is the one users reach
    first = next(iter(settings.ALLOWED_HOSTS), "localhost")
    return {"Host": "localhost" if first == "*" else first.removeprefix(".")}


def check_app(url: str, ca_file: str | None = None) -> Result:
    """The app's readiness through the URL users reach (nginx, TLS) or the app's own port."""
    target = url.rstrip("/") + "/health/ready"
    if not target.startswith(("https://", "http://")):
        return Result("app", CRITICAL, f"{url} is not an http:// or https:// URL")
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https") else None
    request = urllib.request.Request(  # noqa: S310 - the operator's own URL
        target, headers={**_host_header(url), "User-Agent": "fitnesscrm-health-check"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310 - http(s) only, checked above  # nosec B310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Result("app", CRITICAL, f"{target} does not answer: {reason}")
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    if status == 200:
        return Result("app", OK, f"ready in {elapsed_ms} ms", {"url": target})
    return Result("app", CRITICAL, f"{target} answered {status}", {"status": status})


def check_database() -> Result:
    from django.db import connection

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the same to the operator
        return Result("database", CRITICAL, f"{type(exc).__name__}: {exc}".strip()[:300])
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return Result("database", OK, f"{connection.vendor} answers in {elapsed_ms} ms")


def check_redis() -> Result:
    if not settings.REDIS_URL:
        return Result("redis", OK, "not configured (local memory cache)")
    from fitnesscrm.ops.health import check_cache

    try:
        check_cache()
    except Exception as exc:  # connection refused, timeout, auth...
        return Result("redis", CRITICAL, f"{type(exc).__name__}: {exc}".strip()[:300])
    return Result("redis", OK, "answers")


def check_disk(paths: list[Path], limits: Limits) -> Result:
    details = {}
    statuses = []
    for path in paths:
        if not path.exists():
            continue
        usage = shutil.disk_usage(path)
        free = round(usage.free * 100 / usage.total, 1)
        details[str(path)] = {"free_percent": free, "free_bytes": usage.free}
        statuses.append(
            _graded(
                free,
                limits.disk_warning_percent,
                limits.disk_critical_percent,
                higher_is_worse=False,
            )
        )
    if not details:
        return Result("disk", WARNING, "none of the data directories exists")
    lowest = min(details.items(), key=lambda item: item[1]["free_percent"])
    return Result(
        "disk", _worst(statuses), f"{lowest[1]['free_percent']} % free on {lowest[0]}", details
    )


def check_task_queue(limits: Limits) -> Result:
    from fitnesscrm.ops.health import check_task_queue as queue

    try:
        found = queue()
    except Exception as exc:  # the table is missing, the database is down...
        return Result("task_queue", CRITICAL, f"{type(exc).__name__}: {exc}".strip()[:300])
    waiting, oldest = found["waiting"], found["oldest_waiting_seconds"]
    status = _worst(
        [
            _graded(waiting, limits.queue_warning, limits.queue_critical),
            _graded(
                oldest, limits.oldest_task_warning_seconds, limits.oldest_task_critical_seconds
            ),
        ]
    )
    return Result(
        "task_queue", status, f"{waiting} waiting, the oldest for {round(oldest)} s", found
    )


def check_backup(limits: Limits, *, newest: Callable[[], datetime | None]) -> Result:
    try:
        taken = newest()
    except Exception as exc:  # an unreadable manifest is as bad as none
        return Result("backup", CRITICAL, f"cannot read the backups: {exc}"[:300])
    if taken is None:
        return Result("backup", CRITICAL, "no verified backup found")
    hours = (datetime.now(UTC) - taken).total_seconds() / 3600
    status = _graded(hours, limits.backup_warning_hours, limits.backup_critical_hours)
    return Result(
        "backup",
        status,
        f"the last verified backup is {hours:.1f} hours old",
        {"taken_at": taken.isoformat()},
    )


def certificate_expiry(host: str, port: int, ca_file: str | None = None) -> datetime:
    """When the certificate `host:port` presents expires; it must be trusted (else raises)."""
    context = ssl.create_default_context(cafile=ca_file)
    with (
        socket.create_connection((host, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        not_after = tls.getpeercert()["notAfter"]
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), tz=UTC)


def check_certificate(target: str, limits: Limits, ca_file: str | None = None) -> Result:
    host, _, port = target.partition(":")
    try:
        expires = certificate_expiry(host, int(port or 443), ca_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        return Result("certificate", CRITICAL, f"{target}: {exc}"[:300])
    days = (expires - datetime.now(UTC)).total_seconds() / 86400
    status = _graded(
        days,
        limits.certificate_warning_days,
        limits.certificate_critical_days,
        higher_is_worse=False,
    )
    summary = f"expires in {days:.0f} days" if days >= 0 else "has expired"
    return Result("certificate", status, summary, {"expires_at": expires.isoformat()})


def run(
    *,
    url: str | None,
    tls_host: str | None,
    ca_file: str | None,
    limits: Limits,
    newest_backup: Callable[[], datetime | None],
) -> tuple[str, list[Result]]:
    results = []
    if url:
        results.append(check_app(url, ca_file))
    results += [check_database(), check_redis()]
    data_dirs = [Path(settings.DATA_DIR), Path(settings.MEDIA_ROOT)]
    backup_dir = getattr(settings, "BACKUP_DIR", None)
    if backup_dir:
        data_dirs.append(Path(backup_dir))
    results.append(check_disk(data_dirs, limits))
    results.append(check_task_queue(limits))
    results.append(check_backup(limits, newest=newest_backup))
    if tls_host:
        results.append(check_certificate(tls_host, limits, ca_file))
    return _worst(result.status for result in results), results


def as_json(status: str, results: list[Result]) -> dict:
    return {
        "status": status,
        "checked_at": datetime.now(UTC).isoformat(),
        "checks": {result.name: asdict(result) for result in results},
    }
