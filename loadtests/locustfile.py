"""Load test of the client pages and API: list, page 500, search, detail and create.

Two kinds of simulated user, in equal numbers:

- PageUser signs in once through the login form (with its CSRF token), then browses
  the HTML pages like a member of staff: /clients/, /clients/?page=500, a search,
  a client's record, and now and then adds a client through the form.
- ApiUser sends a personal API key as a bearer token and does the same through
  /api/v1/clients.

Settings come from the environment (scripts/bench.sh sets them):
  FCRM_EMAIL, FCRM_PASSWORD  a staff login that sees every client (PageUser)
  FCRM_API_KEY               an API key of a staff user (ApiUser)
  FCRM_ID_MIN, FCRM_ID_MAX   the range of client ids to open at random (optional: otherwise
                             ids are collected from the list pages)
  FCRM_WAIT_MIN, FCRM_WAIT_MAX  think time between requests, seconds (default 0.5 and 1.5)

Both use Locust's FastHttpUser (geventhttpclient): the load generator runs on the same
machine as the app, and python-requests would take several times more of its CPU.

Run: locust -f loadtests/locustfile.py --headless -u 32 -r 8 --run-time 60s \
         --host http://127.0.0.1:8000
"""

# ruff: noqa: S311 - random choices of test data, not secrets
import os
import random
import re
import uuid
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

EMAIL = os.environ.get("FCRM_EMAIL", "manager@demo.fitnesscrm.test")
PASSWORD = os.environ.get("FCRM_PASSWORD", "demo-fitness-2026")
API_KEY = os.environ.get("FCRM_API_KEY", "")
ID_MIN = int(os.environ.get("FCRM_ID_MIN", "0") or 0)
ID_MAX = int(os.environ.get("FCRM_ID_MAX", "0") or 0)
WAIT = between(
    float(os.environ.get("FCRM_WAIT_MIN", "0.5")), float(os.environ.get("FCRM_WAIT_MAX", "1.5"))
)
PER_PAGE = 25
DEEP_PAGE = 500

# What staff type in the search box: surnames and first names of the seeded data, some
# with accents, some without (the search ignores both case and accents), some partial.
SEARCHES = [
    "smith", "Patel", "garcia", "García", "müller", "Muller", "nowak", "o'brien", "jose",
    "lukasz", "Łukasz", "dubois", "chloé", "okafor", "murphy", "yilmaz", "Schröder",
    "wisniewski", "silva", "ingrid", "amelia", "ava", "hernandez", "nunez", "kowal",
    "mcCarthy", "sofia", "jurgen", "Siobhán", "oliver taylor",
]  # fmt: skip
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dariusz", "Émile", "Freya", "Gökhan", "Hana", "Iñaki"]
LAST_NAMES = ["Load", "Bench", "Müller", "Núñez", "O'Neill", "Łuczak", "Test"]

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CLIENT_LINK = re.compile(r'href="/clients/(\d+)/"')


def _new_person() -> dict:
    token = uuid.uuid4().hex[:12]
    return {
        "first_name": random.choice(FIRST_NAMES),
        "last_name": random.choice(LAST_NAMES),
        "email": f"load-{token}@example.com",
        "phone": f"+4475{random.randrange(10**8):08d}",
    }


class _ClientIds:
    """Client ids to open: a range from the environment, or ids seen in responses."""

    def __init__(self):
        self.seen: list[int] = []

    def add(self, ids) -> None:
        if not (ID_MIN and ID_MAX) and len(self.seen) < 5000:
            self.seen.extend(int(i) for i in ids)

    def pick(self) -> int | None:
        if ID_MIN and ID_MAX >= ID_MIN:
            return random.randint(ID_MIN, ID_MAX)
        return random.choice(self.seen) if self.seen else None


IDS = _ClientIds()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class PageUser(FastHttpUser):
    """A member of staff in a browser: signs in once, then uses the pages."""

    wait_time = WAIT
    weight = 1

    def on_start(self):
        page = self.client.get("/account/login/", name="page: login form")
        token = _CSRF_INPUT.search(page.text)
        response = self.client.post(
            "/account/login/",
            urlencode(
                {
                    "username": EMAIL,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                }
            ),
            headers={**FORM, "Referer": self.host + "/account/login/"},
            name="page: sign in",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(
                f"Signing in as {EMAIL} failed (HTTP {response.status_code}); "
                "set FCRM_EMAIL and FCRM_PASSWORD."
            )

    def _list(self, params: dict, name: str):
        with self.client.get(
            f"/clients/?{urlencode(params)}", name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            else:
                if not (ID_MIN and ID_MAX):
                    IDS.add(_CLIENT_LINK.findall(response.text)[:25])
                response.success()

    @task(4)
    def list_first_page(self):
        self._list({"per_page": PER_PAGE}, "page: list p1")

    @task(2)
    def list_deep_page(self):
        self._list({"per_page": PER_PAGE, "page": DEEP_PAGE}, "page: list p500")

    @task(4)
    def search(self):
        self._list({"per_page": PER_PAGE, "q": random.choice(SEARCHES)}, "page: search")

    @task(6)
    def detail(self):
        client_id = IDS.pick()
        if client_id is None:
            return self.list_first_page()
        self.client.get(f"/clients/{client_id}/", name="page: detail")

    @task(1)
    def create(self):
        form = self.client.get("/clients/new/", name="page: create form")
        token = _CSRF_INPUT.search(form.text)
        data = {
            **_new_person(),
            "status": "lead",
            "source": "website",
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        with self.client.post(
            "/clients/new/",
            urlencode(data),
            headers={**FORM, "Referer": self.host + "/clients/new/"},
            name="page: create",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}: the form was not accepted")
            else:
                response.success()


class ApiUser(FastHttpUser):
    """An integration using a personal API key."""

    wait_time = WAIT
    weight = 1
    default_headers = {"Authorization": f"Bearer {API_KEY}"}

    def on_start(self):
        if not API_KEY:
            raise RuntimeError("Set FCRM_API_KEY to an API key of a staff user.")

    def _list(self, params: dict, name: str):
        with self.client.get(
            f"/api/v1/clients?{urlencode(params)}", name=name, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            else:
                if not (ID_MIN and ID_MAX):
                    IDS.add(item["id"] for item in r.json().get("items", [])[:25])
                r.success()

    @task(4)
    def list_first_page(self):
        self._list({"limit": PER_PAGE}, "api: list p1")

    @task(2)
    def list_deep_page(self):
        self._list({"limit": PER_PAGE, "offset": PER_PAGE * (DEEP_PAGE - 1)}, "api: list p500")

    @task(4)
    def search(self):
        self._list({"limit": PER_PAGE, "q": random.choice(SEARCHES)}, "api: search")

    @task(6)
    def detail(self):
        client_id = IDS.pick()
        if client_id is None:
            return self.list_first_page()
        self.client.get(f"/api/v1/clients/{client_id}", name="api: detail")

    @task(1)
    def create(self):
        with self.client.post(
            "/api/v1/clients", json=_new_person(), name="api: create", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            else:
                response.success()


@events.quitting.add_listener
def _exit_code(environment, **_kwargs):
    """Fail the run (exit 1) when more than 1% of requests failed."""
    if environment.stats.total.fail_ratio > 0.01:
        environment.process_exit_code = 1
