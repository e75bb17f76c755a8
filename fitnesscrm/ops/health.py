"""Readiness checks: each returns its details on success and raises on failure."""

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("the cache did not return the value just written")
    return {}


def check_task_queue() -> dict:
    """The queue table answers; reports how many tasks wait and the oldest one's age."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return {
        "waiting": waiting.count(),
        "oldest_waiting_seconds": (
            round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0
        ),
    }


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "cache": check_cache,
    "task_queue": check_task_queue,
}


def run_checks() -> tuple[bool, dict]:
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            extra = check()
            status = {"status": "ok", **extra}
        except Exception as exc:
            healthy = False
            # The endpoint is public: the message (host names, user names) goes to the log only.
            logger.warning("Readiness check %s failed", name, exc_info=True)
            status = {"status": "fail", "error": type(exc).__name__}
        status["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        results[name] = status
    return healthy, results
