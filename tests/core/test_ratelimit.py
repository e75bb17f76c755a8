"""The rate-limit counter: windows, Retry-After, a cache shared by every process."""

import os

import pytest
from django.core.cache import cache, caches

from fitnesscrm.core import ratelimit
from fitnesscrm.core.ratelimit import Rate, counter_key, hit
from tests.core.test_settings import assert_refused, run_python


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("5/hour", 5, 3600), ("600/minute", 600, 60), ("30/m", 30, 60), ("100/10s", 100, 10),
     ("3/hours", 3, 3600), (" 2 / day ", 2, 86400)],
)  # fmt: skip
def test_a_rate_is_read_from_its_text(text, limit, period):
    assert Rate.parse(text) == Rate(limit, period)


@pytest.mark.parametrize("text", ["", "5", "five/hour", "5/fortnight", "0/minute", "5/0m"])
def test_a_bad_rate_is_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match=r"<count>/<period>|above 0"):
        Rate.parse(text)


def test_the_request_over_the_limit_is_refused_until_the_window_ends():
    start = 1_000_040.0  # 20 seconds into a one-minute window (1_000_020 to 1_000_080)
    outcomes = [hit("test", "a", "3/minute", now=start + i) for i in range(4)]

    assert [o.allowed for o in outcomes] == [True, True, True, False]
    assert outcomes[3].count == 4
    assert outcomes[3].retry_after == 37  # the window ends at 1_000_080
    assert hit("test", "a", "3/minute", now=start + 40).allowed  # the next window


def test_each_caller_and_each_limit_has_its_own_counter():
    for _ in range(2):
        hit("test", "a", "2/minute", now=60.0)

    assert not hit("test", "a", "2/minute", now=60.0).allowed
    assert hit("test", "b", "2/minute", now=60.0).allowed
    assert hit("other", "a", "2/minute", now=60.0).allowed


def test_a_second_cache_connection_sees_the_same_counter():
    """Two processes have a connection each; with Redis both count in one place."""
    second = caches.create_connection("default")
    key = counter_key("test", "a", 1)

    hit("test", "a", "10/minute", now=60.0)
    hit("test", "a", "10/minute", now=61.0)

    assert second is not caches["default"]
    assert second.get(key) == 2
    second.incr(key)
    assert hit("test", "a", "10/minute", now=62.0).count == 4


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_with_redis_the_counter_lives_in_redis_and_expires_with_its_window():
    import redis

    hit("test", "a", "10/minute", now=60.0)

    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
    name = cache.make_key(counter_key("test", "a", 1))
    assert raw.get(name) == b"1"
    assert 0 < raw.ttl(name) <= 61


def test_the_counter_key_does_not_hold_the_email_counted():
    key = counter_key("password-reset", "someone@example.test", 5)

    assert "someone" not in key
    assert key.startswith("ratelimit:password-reset:")


def test_a_cache_that_does_not_answer_lets_requests_through(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(caches["default"], "add", broken)

    assert all(hit("test", "a", "1/minute").allowed for _ in range(3))


def test_limits_can_be_turned_off(settings):
    settings.RATE_LIMITS_ENABLED = False

    assert all(hit("test", "a", "1/minute").allowed for _ in range(3))


def test_wait_text_rounds_up_to_a_readable_unit():
    assert ratelimit.wait_text(1) == "1 second"
    assert ratelimit.wait_text(45) == "45 seconds"
    assert ratelimit.wait_text(125) == "3 minutes"
    assert ratelimit.wait_text(3600 * 2 - 5) == "2 hours"


def test_a_bad_rate_in_the_environment_stops_start_up(tmp_path):
    result = run_python(
        tmp_path, "import django; django.setup()", DEBUG="true", RATE_LIMIT_BOOKING_IP="lots"
    )

    assert_refused(result, "RATE_LIMIT_BOOKING_IP")
