"""Load tests of the schedule: a class opening for booking, and trainers' week views.

Two scenarios, run one at a time by scripts/bench-schedule.sh (`make bench-schedule`):

- ClassOpens: each simulated user is a different client. They all sign in through the
  login form first, wait for the moment the class opens (FCRM_OPENS_AT, a Unix time),
  then book the same session at once through POST /api/v1/bookings with their browser
  session and CSRF token, and stop. With 200 users and 20 seats, exactly 20 must be
  booked and 180 waitlisted: the script checks the database afterwards.
- WeekView: members of staff open a trainer's week in the calendar: the page, the JSON
  the calendar loads its events from, and the same range from the API.

Settings (environment):
  FCRM_CLIENT_EMAIL    a pattern with {n}, e.g. bench-client-{n}@bench.fitnesscrm.test
  FCRM_CLIENT_PASSWORD the password of those clients
  FCRM_SESSION_ID      the class to book
  FCRM_OPENS_AT        when booking opens (Unix time)
  FCRM_EMAIL, FCRM_PASSWORD  a staff login (WeekView)
  FCRM_API_KEY         a staff API key (WeekView)
  FCRM_TRAINERS        comma-separated trainer ids whose weeks are opened
  FCRM_WEEKS_BACK      how many weeks back the opened weeks may go (default 520)
"""

# ruff: noqa: S311 - random choices of test data, not secrets
import itertools
import os
import random
import re
import time
from datetime import UTC, datetime, timedelta

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_numbers = itertools.count(1)
BOOKED_AT: list[float] = []


def _sign_in(user: FastHttpUser, email: str, password: str) -> str:
    """Sign in through the form; returns the CSRF token for later POSTs."""
    with user.client.get("/account/login/", name="sign in: form", catch_response=True) as page:
        token = _CSRF_INPUT.search(page.text or "")
        if token is None:
            page.failure("no CSRF token on the login page")
            raise StopUser
    form = {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
    with user.client.post(
        "/account/login/",
        data=form,
        headers={"Referer": f"{user.host}/account/login/"},
        name="sign in: post",
        allow_redirects=False,
        catch_response=True,
    ) as response:
        if response.status_code != 302:
            response.failure(f"sign-in refused ({response.status_code})")
            raise StopUser
    for cookie in user.client.cookiejar:
        # "csrftoken", or "__Host-csrftoken" over HTTPS.
        if cookie.name.endswith("csrftoken"):
            return cookie.value
    return token.group(1)


class ClassOpens(FastHttpUser):
    """A client waiting for a popular class to open, who books the moment it does."""

    wait_time = between(0, 0)

    def on_start(self):
        n = next(_numbers)
        email = os.environ["FCRM_CLIENT_EMAIL"].format(n=n)
        self.csrf = _sign_in(self, email, os.environ["FCRM_CLIENT_PASSWORD"])
        self.session_id = int(os.environ["FCRM_SESSION_ID"])
        opens_at = float(os.environ["FCRM_OPENS_AT"])
        gevent.sleep(max(0.0, opens_at - time.time()))

    @task
    def book(self):
        with self.client.post(
            "/api/v1/bookings",
            json={"session_id": self.session_id},
            headers={"X-CSRFToken": self.csrf, "Referer": f"{self.host}/"},
            name="class opens: book",
            catch_response=True,
        ) as response:
            BOOKED_AT.append(time.time())
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
        raise StopUser


@events.quitting.add_listener
def _report_burst(environment, **_kwargs):
    if BOOKED_AT:
        span = max(BOOKED_AT) - min(BOOKED_AT)
        rate = len(BOOKED_AT) / span if span > 0 else float(len(BOOKED_AT))
        print(f"class opens: {len(BOOKED_AT)} bookings answered in {span:.2f} s ({rate:.0f}/s)")


class WeekView(FastHttpUser):
    """Staff opening a trainer's week: the calendar page, its events, and the API."""

    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.trainers = [int(t) for t in os.environ["FCRM_TRAINERS"].split(",") if t]
        self.weeks_back = int(os.environ.get("FCRM_WEEKS_BACK", "520"))
        _sign_in(self, os.environ["FCRM_EMAIL"], os.environ["FCRM_PASSWORD"])
        self.api_headers = {"Authorization": f"Bearer {os.environ['FCRM_API_KEY']}"}

    def _week(self) -> tuple[str, str, int]:
        today = datetime.now(UTC).date()
        monday = today - timedelta(days=today.weekday(), weeks=random.randint(0, self.weeks_back))
        start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
        end = start + timedelta(days=7)
        return start.isoformat(), end.isoformat(), random.choice(self.trainers)

    @task(2)
    def events_json(self):
        start, end, trainer = self._week()
        self.client.get(
            "/schedule/events",
            params={"start": start, "end": end, "trainer": trainer},
            name="week: calendar events",
        )

    @task(1)
    def page(self):
        _start, _end, trainer = self._week()
        self.client.get("/schedule/", params={"trainer": trainer}, name="week: calendar page")

    @task(2)
    def api(self):
        start, end, trainer = self._week()
        self.client.get(
            "/api/v1/sessions",
            params={"start": start, "end": end, "trainer": trainer},
            headers=self.api_headers,
            name="week: API sessions",
        )
