"""Every operation of the API against every role: the caller, their keys, clients, trainers.

The records are those of `build_gym`: `member` is the `client_user` fixture's record,
coached by the `trainer` fixture; `other_coach` coaches someone else; the `outsider`
fixture is a client with a record of their own; `coach_key` is an API key of the
`trainer` fixture's. Each row says what each role gets;
a refusal must be the JSON error shape, carry none of the member's data and change
nothing. A new operation anywhere in the API fails `test_every_operation_has_a_row`
until it gets a row here.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import pytest
from django.test import Client as HttpClient

from fitnesscrm.accounts import services as account_services
from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.api import api
from fitnesscrm.clients.models import Assignment, Client, TimelineEntry
from tests.api.test_errors import assert_api_error
from tests.factories import Gym, build_gym

ROLES = (
    "owner",
    "manager",
    "trainer_assigned",
    "trainer_unassigned",
    "front_desk",
    "client_own",
    "outsider",
    "anonymous",
)
PREFIX = "/api/v1"
GUESSED_ID = 987654


@dataclass
class KeyedGym(Gym):
    """The gym, with an API key of the member's trainer."""

    coach_key: ApiKey | None = None


def _statuses(*codes: int) -> dict[str, int]:
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # as in the OpenAPI schema, under /api/v1
    expected: dict[str, int]
    ids: Callable[[Gym], dict] = lambda gym: {}
    body: Callable[[Gym], dict] | None = None
    # For lists: which roles find the row's target record among the items.
    target: Callable[[Gym], int] | None = None
    sees: dict[str, bool] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, gym: Gym, **override) -> str:
        return PREFIX + self.path.format(**{**self.ids(gym), **override})


def _member(gym: Gym) -> dict:
    return {"client_id": gym.member.pk}


def _sees(*flags: bool) -> dict[str, bool]:
    return dict(zip(ROLES[:-1], flags, strict=True))


MATRIX = [
    Row("GET", "/me", _statuses(200, 200, 200, 200, 200, 200, 200, 401)),
    Row(
        "GET",
        "/me/api-keys",
        _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.coach_key.pk,
        # Each caller lists only their own keys, the owner included.
        sees=_sees(False, False, True, False, False, False, False),
    ),
    Row(
        "POST",
        "/me/api-keys",
        # Clients use the API through their session; keys are for staff.
        _statuses(201, 201, 201, 201, 201, 403, 403, 401),
        body=lambda gym: {"name": "Matrix"},
    ),
    Row(
        "DELETE",
        "/me/api-keys/{key_id}",
        # The trainer's own key: they and the owner revoke it; for anyone else it is not there.
        _statuses(204, 404, 204, 404, 404, 404, 404, 401),
        lambda gym: {"key_id": gym.coach_key.pk},
    ),
    Row(
        "GET",
        "/clients",
        _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.member.pk,
        sees=_sees(True, True, True, False, True, True, False),
    ),
    Row(
        "POST",
        "/clients",
        _statuses(201, 201, 201, 201, 201, 403, 403, 401),
        body=lambda gym: {"first_name": "Matrix", "email": "matrix@example.test"},
    ),
    Row("GET", "/clients/{client_id}", _statuses(200, 200, 200, 404, 200, 200, 404, 401), _member),
    Row(
        "PATCH",
        "/clients/{client_id}",
        _statuses(200, 200, 200, 404, 200, 403, 404, 401),
        _member,
        body=lambda gym: {"goals": "Changed by the matrix"},
    ),
    Row(
        "DELETE", "/clients/{client_id}", _statuses(204, 204, 403, 404, 204, 403, 404, 401), _member
    ),
    Row(
        "GET",
        "/clients/{client_id}/notes",
        _statuses(200, 200, 200, 404, 200, 403, 404, 401),
        _member,
    ),
    Row(
        "POST",
        "/clients/{client_id}/notes",
        _statuses(201, 201, 201, 404, 201, 403, 404, 401),
        _member,
        body=lambda gym: {"body": "Called about renewal", "kind": "call"},
    ),
    Row(
        "GET",
        "/assignments",
        _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.assignment.pk,
        sees=_sees(True, True, True, False, True, True, False),
    ),
    Row(
        "POST",
        "/assignments",
        # The member's own login cannot see other_coach, so that trainer is not found.
        _statuses(201, 201, 403, 404, 201, 404, 404, 401),
        body=lambda gym: {"client": gym.member.pk, "trainer": gym.other_coach.pk},
    ),
    Row(
        "POST",
        "/assignments/{assignment_id}/end",
        _statuses(200, 200, 403, 404, 200, 403, 404, 401),
        lambda gym: {"assignment_id": gym.assignment.pk},
        body=lambda gym: {},
    ),
    Row(
        "GET",
        "/trainers",
        _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.coach.pk,
        sees=_sees(True, True, True, True, True, True, False),
    ),
    Row(
        "GET",
        "/trainers/{trainer_id}",
        _statuses(200, 200, 200, 200, 200, 200, 404, 401),
        lambda gym: {"trainer_id": gym.coach.pk},
    ),
]


@pytest.fixture
def gym(trainer, client_user, outsider) -> KeyedGym:
    base = build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    key, _raw = account_services.api_key_create(user=trainer, name="Zapier")
    return KeyedGym(**{f.name: getattr(base, f.name) for f in fields(Gym)}, coach_key=key)


@pytest.fixture
def caller(owner, manager, trainer, front_desk, client_user, outsider, gym):
    """`caller(role)`: a test client signed in as that role (anonymous: not signed in)."""
    users = {
        "owner": owner,
        "manager": manager,
        "trainer_assigned": trainer,
        "trainer_unassigned": gym.other_coach.user,
        "front_desk": front_desk,
        "client_own": client_user,
        "outsider": outsider,
    }

    def _caller(role: str) -> HttpClient:
        http = HttpClient()
        if role != "anonymous":
            http.force_login(users[role])
        return http

    return _caller


def _call(http: HttpClient, row: Row, url: str, gym: Gym):
    body = row.body(gym) if row.body else None
    if body is None:
        return getattr(http, row.method.lower())(url)
    return getattr(http, row.method.lower())(url, json.dumps(body), content_type="application/json")


def _snapshot(gym: Gym) -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Client.objects.order_by("pk").values_list("pk", "goals", "archived_at", "status")),
        TimelineEntry.objects.count(),
        list(Assignment.objects.order_by("pk").values_list("pk", "is_primary", "end_date")),
        list(ApiKey.objects.order_by("pk").values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.key)
def test_each_role_gets_the_expected_answer(row: Row, role: str, gym, caller):
    before = _snapshot(gym)
    response = _call(caller(role), row, row.url(gym), gym)
    expected = row.expected[role]
    assert response.status_code == expected, (row.key, role, response.content[:300])
    if expected >= 400:
        codes = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}
        assert_api_error(response, expected, codes[expected])
        key_prefix = gym.coach_key.prefix.encode()
        for secret in (b"Cleo", b"cleo.member", b"Asthma", b"Knee", key_prefix):
            assert secret not in response.content
        assert _snapshot(gym) == before
    if row.target is not None and role in row.sees:
        body = response.json()
        items = body["items"] if isinstance(body, dict) else body
        found = row.target(gym) in {item["id"] for item in items}
        assert found is row.sees[role], (row.key, role)


@pytest.mark.parametrize("row", [r for r in MATRIX if "{" in r.path], ids=lambda row: row.key)
def test_a_guessed_id_answers_404_even_for_the_owner(row: Row, gym, caller):
    names = {name: GUESSED_ID for name in row.ids(gym)}
    response = _call(caller("owner"), row, row.url(gym, **names), gym)
    assert_api_error(response, 404, "not_found")


def _api_operations() -> set[str]:
    operations = set()
    for path, methods in api.get_openapi_schema()["paths"].items():
        local = path.removeprefix(PREFIX)
        operations |= {f"{method.upper()} {local}" for method in methods}
    return operations


def test_every_operation_has_a_row():
    rows = {row.key for row in MATRIX}
    operations = _api_operations()
    assert not operations - rows, f"API operations without a matrix row: {operations - rows}"
    assert not rows - operations, (
        f"Matrix rows for operations that do not exist: {rows - operations}"
    )
    assert len(rows) == len(MATRIX), "An operation has two rows."
