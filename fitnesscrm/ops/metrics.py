"""Prometheus metrics at /metrics: requests, latency, errors, database time, queue, business.

The web server runs several gunicorn worker processes, so request metrics are kept
in prometheus_client's multiprocess mode: each process writes its counters to files
in PROMETHEUS_MULTIPROC_DIR (`fitnesscrm serve` prepares the directory) and a scrape
adds them up, whichever process answers it. Without that variable (tests, `manage.py
runserver`) the process's own registry is used.

What only the database knows (tasks waiting, the oldest one's age, bookings and
payments, whichever process made them) is read when Prometheus scrapes; the business
counts are cached for a minute so that frequent scrapes cost one query a minute.

/metrics is not public: a request needs `Authorization: Bearer <METRICS_TOKEN>` or
must come from an address in METRICS_ALLOWED_IPS (loopback by default). Behind nginx
the address is the client's (X-Forwarded-For), and nginx refuses /metrics outright.
"""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from fitnesscrm.core.middleware import client_ip

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter(
    "fitnesscrm_http_requests",
    "HTTP requests answered, by method, URL pattern and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "fitnesscrm_http_request_duration_seconds",
    "Time to answer a request, by method and URL pattern.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
EXCEPTIONS = Counter(
    "fitnesscrm_http_exceptions",
    "Requests that ended in an unhandled exception (answered 500), by URL pattern.",
    ["route"],
)
DB_TIME = Histogram(
    "fitnesscrm_db_time_seconds",
    "Time spent in database queries per request.",
    buckets=LATENCY_BUCKETS,
)
DB_QUERIES = Histogram(
    "fitnesscrm_db_queries_per_request",
    "Database queries per request.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 250),
)

BUSINESS_CACHE_KEY = "metrics:business"
BUSINESS_CACHE_SECONDS = 60


def _route(request: HttpRequest) -> str:
    """The URL pattern that answered (bounded label values), not the path with its ids."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + match.route if match.route else match.view_name or "unmatched"


class _QueryTimer:
    """A database execute wrapper adding up the time and number of queries of a request."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


class MetricsMiddleware:
    """Counts and times every request except the scrape itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            return self.get_response(request)
        timer = _QueryTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        LATENCY.labels(request.method, route).observe(elapsed)
        DB_TIME.observe(timer.seconds)
        DB_QUERIES.observe(timer.queries)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        EXCEPTIONS.labels(_route(request)).inc()


def _business_counts() -> dict:
    cached = cache.get(BUSINESS_CACHE_KEY)
    if cached is not None:
        return cached
    from fitnesscrm.billing.models import Payment, PaymentStatus
    from fitnesscrm.scheduling.models import Booking

    counts = {
        "bookings": list(Booking.objects.values_list("status").annotate(n=Count("id"))),
        "payments": list(
            Payment.objects.filter(status=PaymentStatus.SUCCEEDED)
            .values_list("method", "currency")
            .annotate(n=Count("id"), amount=Sum("amount_minor"))
        ),
    }
    cache.set(BUSINESS_CACHE_KEY, counts, BUSINESS_CACHE_SECONDS)
    return counts


class DatabaseCollector:
    """What the database holds, read at scrape time."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.ready()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        depth = GaugeMetricFamily(
            "fitnesscrm_task_queue_depth", "Background tasks waiting for a worker."
        )
        depth.add_metric([], waiting.count())
        yield depth
        age = GaugeMetricFamily(
            "fitnesscrm_task_queue_oldest_seconds",
            "Age of the oldest task waiting for a worker (0 when none waits).",
        )
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0)
        yield age

        counts = _business_counts()
        bookings = CounterMetricFamily(
            "fitnesscrm_bookings",
            "Bookings ever made, by their status now (booked, waitlisted, cancelled...).",
            labels=["status"],
        )
        for status, n in counts["bookings"]:
            bookings.add_metric([status], n)
        yield bookings
        payments = CounterMetricFamily(
            "fitnesscrm_payments",
            "Successful payments received, by method and currency.",
            labels=["method", "currency"],
        )
        amounts = CounterMetricFamily(
            "fitnesscrm_payments_amount_minor",
            "Amount of successful payments received, in minor units (pence, cents).",
            labels=["currency"],
        )
        by_currency: dict[str, int] = {}
        for method, currency, n, amount in counts["payments"]:
            payments.add_metric([method, currency], n)
            by_currency[currency] = by_currency.get(currency, 0) + (amount or 0)
        for currency, amount in sorted(by_currency.items()):
            amounts.add_metric([currency], amount)
        yield payments
        yield amounts


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    address = client_ip(request)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(
        ip in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS
    )


def registry() -> CollectorRegistry:
    """The registry a scrape reads: every process's files in multiprocess mode, plus the DB."""
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(scrape)
    else:
        for collector in (REQUESTS, LATENCY, EXCEPTIONS, DB_TIME, DB_QUERIES):
            scrape.register(collector)
    scrape.register(DatabaseCollector())
    return scrape


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        # As if there were nothing here: the page is not for the public.
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
