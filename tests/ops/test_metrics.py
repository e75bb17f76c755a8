"""/metrics: what Prometheus reads, and who may read it."""

import re

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse

from fitnesscrm.billing.models import PaymentMethod
from fitnesscrm.ops import metrics
from tests.factories import BookingFactory, ClassSessionFactory, MemberFactory

pytestmark = pytest.mark.django_db


def scrape(browser: Browser | None = None, **extra) -> str:
    response = (browser or Browser()).get("/metrics", REMOTE_ADDR="127.0.0.1", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def value(text: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, flags=re.MULTILINE)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(autouse=True)
def fresh_business_counts():
    cache.delete(metrics.BUSINESS_CACHE_KEY)


def test_a_scrape_from_loopback_gets_the_metrics():
    assert "fitnesscrm_task_queue_depth" in scrape()


@pytest.mark.parametrize("address", ["203.0.113.9", "10.1.2.3"])
def test_a_scrape_from_elsewhere_without_the_token_finds_nothing(address):
    response = Browser().get("/metrics", REMOTE_ADDR=address)
    assert response.status_code == 404
    assert b"fitnesscrm_" not in response.content


def test_the_token_opens_metrics_from_any_address_and_a_wrong_one_does_not(settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    far = {"REMOTE_ADDR": "203.0.113.9"}
    right = Browser().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789", **far)
    wrong = Browser().get("/metrics", HTTP_AUTHORIZATION="Bearer guess", **far)
    # A wrong token is refused even from an allowed address.
    wrong_local = Browser().get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    assert (right.status_code, wrong.status_code, wrong_local.status_code) == (200, 404, 404)


def test_an_allowed_network_is_honoured(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert Browser().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert Browser().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_behind_the_proxy_the_forwarded_client_address_decides(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Browser().get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response.status_code == 404


def test_requests_are_counted_and_timed_by_url_pattern_not_by_path(owner, login):
    client_a, client_b = MemberFactory(), MemberFactory()
    series = (
        'fitnesscrm_http_requests_total{method="GET",'
        'route="/clients/<int:client_id>/",status="200"}'
    )
    timed = (
        'fitnesscrm_http_request_duration_seconds_count{method="GET",'
        'route="/clients/<int:client_id>/"}'
    )
    before = scrape()
    browser = login(owner)
    for client in (client_a, client_b, client_a):
        assert browser.get(reverse("clients:detail", args=[client.pk])).status_code == 200
    after = scrape()

    assert value(after, series) - value(before, series) == 3
    assert value(after, timed) - value(before, timed) == 3
    assert str(client_a.pk) not in re.findall(r'route="([^"]*)"', after)
    assert value(after, "fitnesscrm_db_time_seconds_count") > value(
        before, "fitnesscrm_db_time_seconds_count"
    )
    assert value(after, "fitnesscrm_db_queries_per_request_count") > value(
        before, "fitnesscrm_db_queries_per_request_count"
    )


def test_an_unhandled_error_counts_as_an_exception_and_a_500(owner, login, monkeypatch):
    from fitnesscrm.clients import selectors

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "client_get", broken)
    client = MemberFactory()
    before = scrape()
    browser = login(owner)
    browser.raise_request_exception = False
    assert browser.get(reverse("clients:detail", args=[client.pk])).status_code == 500
    after = scrape()

    route = 'route="/clients/<int:client_id>/"'
    assert (
        value(after, f"fitnesscrm_http_exceptions_total{{{route}}}")
        - value(before, f"fitnesscrm_http_exceptions_total{{{route}}}")
        == 1
    )
    server_errors = f'fitnesscrm_http_requests_total{{method="GET",{route},status="500"}}'
    assert value(after, server_errors) - value(before, server_errors) == 1


def test_the_task_queue_depth_and_the_oldest_tasks_age_come_from_the_queue():
    from fitnesscrm.ops.tasks import task_results_prune

    assert value(scrape(), "fitnesscrm_task_queue_depth") == 0
    task_results_prune.enqueue()
    task_results_prune.enqueue()
    text = scrape()
    assert value(text, "fitnesscrm_task_queue_depth") == 2
    assert value(text, "fitnesscrm_task_queue_oldest_seconds") >= 0


def test_bookings_and_payments_are_counted_from_the_database(owner):
    from fitnesscrm.billing import services as billing
    from tests.factories import ProductFactory

    session = ClassSessionFactory(capacity=1)
    BookingFactory(session=session)
    BookingFactory(session=session, status="waitlisted")
    member = MemberFactory()
    plan = ProductFactory()
    invoice = billing.invoice_create(
        actor=owner,
        client=member,
        lines=[billing.LineSpec(description=plan.name, unit_price_minor=4500, product=plan)],
        issue=True,
    )
    billing.payment_record(
        actor=owner, invoice=invoice, amount_minor=2500, method=PaymentMethod.CASH
    )

    text = scrape()
    assert value(text, 'fitnesscrm_bookings_total{status="booked"}') == 1
    assert value(text, 'fitnesscrm_bookings_total{status="waitlisted"}') == 1
    assert value(text, 'fitnesscrm_payments_total{currency="GBP",method="cash"}') == 1
    assert value(text, 'fitnesscrm_payments_amount_minor_total{currency="GBP"}') == 2500


def test_business_counts_are_read_once_a_minute_however_often_prometheus_scrapes(
    django_assert_max_num_queries,
):
    scrape()
    # The second scrape reads only the queue (a count and the oldest task), not the
    # bookings and payments tables again.
    with django_assert_max_num_queries(2):
        scrape()
