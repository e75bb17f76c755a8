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
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from fitnesscrm.accounts import services as account_services
from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.api import api
from fitnesscrm.billing import services as billing
from fitnesscrm.billing.models import (
    Invoice,
    Membership,
    MembershipPause,
    Payment,
    PaymentMethod,
    Product,
    Refund,
)
from fitnesscrm.billing.services import memberships
from fitnesscrm.clients.models import Assignment, Client, TimelineEntry
from fitnesscrm.scheduling.models import Booking, ClassType, Location, Room, Session
from tests.api.test_errors import assert_api_error
from tests.factories import (
    BookingFactory,
    ClassSessionFactory,
    Gym,
    ProductFactory,
    SessionFactory,
    build_gym,
    in_days,
)

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


@dataclass
class ScheduledGym(KeyedGym):
    """The keyed gym with a timetable: who is booked where is in the module docstring."""

    class_session: Session | None = None
    open_class: Session | None = None
    personal_session: Session | None = None
    member_booking: Booking | None = None
    stranger_booking: Booking | None = None


@dataclass
class BilledGym(ScheduledGym):
    """The scheduled gym with money: the member's membership (a pause ahead), an issued
    invoice paid in part (a payment, a refund), an open unpaid invoice and a draft."""

    product: Product | None = None
    membership: Membership | None = None
    invoice: Invoice | None = None
    open_invoice: Invoice | None = None
    draft: Invoice | None = None
    payment: Payment | None = None
    refund: Refund | None = None


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
    # Query parameters of a GET.
    query: Callable[[Gym], dict] | None = None
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


def _membership(gym: Gym) -> dict:
    return {"membership_id": gym.membership.pk}


def _today(days: int):
    return timezone.localdate() + timedelta(days=days)


def _sees(*flags: bool) -> dict[str, bool]:
    return dict(zip(ROLES[:-1], flags, strict=True))


EVERYONE_SIGNED_IN = _statuses(200, 200, 200, 200, 200, 200, 200, 401)
MANAGERS_CREATE = _statuses(201, 201, 403, 403, 403, 403, 403, 401)
MANAGERS_CHANGE = _statuses(200, 200, 403, 403, 403, 403, 403, 401)
SEES_ALL = _sees(True, True, True, True, True, True, True)
# The member's booking: staff who work with the member, and the member.
SEES_MEMBER_BOOKING = _sees(True, True, True, False, True, True, False)


def _class(gym) -> dict:
    return {"session_id": gym.class_session.pk}


def _member_booking(gym) -> dict:
    return {"booking_id": gym.member_booking.pk}


def _this_week(gym) -> dict:
    return {"start": in_days(-1, 0).isoformat(), "end": in_days(7, 0).isoformat()}


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
    # --- Scheduling: sessions ---
    Row(
        "GET",
        "/sessions",
        EVERYONE_SIGNED_IN,
        query=_this_week,
        # Staff see the whole timetable; clients the classes and their own sessions.
        target=lambda gym: gym.personal_session.pk,
        sees=_sees(True, True, True, True, True, False, False),
    ),
    Row(
        "POST",
        "/sessions",
        # The member sees their own trainer but is not staff; the outsider does not see him.
        _statuses(201, 201, 201, 403, 201, 403, 404, 401),
        body=lambda gym: {"trainer": gym.coach.pk, "starts_at": in_days(3, 10).isoformat()},
    ),
    Row(
        "GET",
        "/sessions/{session_id}",
        _statuses(200, 200, 200, 200, 200, 404, 404, 401),
        lambda gym: {"session_id": gym.personal_session.pk},
    ),
    Row(
        "PATCH",
        "/sessions/{session_id}",
        # Everyone sees the class; its trainer, the desk and managers change it.
        _statuses(200, 200, 200, 403, 200, 403, 403, 401),
        _class,
        body=lambda gym: {"title": "Matrix spin"},
    ),
    Row(
        "POST",
        "/sessions/{session_id}/cancel",
        _statuses(200, 200, 200, 403, 200, 403, 403, 401),
        _class,
        body=lambda gym: {"reason": "Matrix"},
    ),
    Row(
        "GET",
        "/sessions/{session_id}/bookings",
        # The outsider sees the class, but not who is in it.
        EVERYONE_SIGNED_IN,
        _class,
        target=lambda gym: gym.member_booking.pk,
        sees=SEES_MEMBER_BOOKING,
    ),
    # --- Scheduling: bookings ---
    Row(
        "POST",
        "/bookings",
        # The member books themselves; the outsider may not book them; other_coach
        # does not see the member.
        _statuses(201, 201, 201, 404, 201, 201, 403, 401),
        body=lambda gym: {"session_id": gym.open_class.pk, "client_id": gym.member.pk},
    ),
    Row(
        "GET",
        "/bookings",
        EVERYONE_SIGNED_IN,
        target=lambda gym: gym.member_booking.pk,
        sees=SEES_MEMBER_BOOKING,
    ),
    Row(
        "GET",
        "/bookings/{booking_id}",
        _statuses(200, 200, 200, 404, 200, 200, 404, 401),
        _member_booking,
    ),
    Row(
        "POST",
        "/bookings/{booking_id}/cancel",
        _statuses(200, 200, 200, 404, 200, 200, 404, 401),
        _member_booking,
        body=lambda gym: {},
    ),
    Row(
        "POST",
        "/bookings/{booking_id}/check-in",
        # The member sees their booking but does not check themselves in.
        _statuses(200, 200, 200, 404, 200, 403, 404, 401),
        _member_booking,
        body=lambda gym: {"status": "attended"},
    ),
    # --- Scheduling: what the schedule is built from ---
    Row(
        "GET",
        "/class-types",
        EVERYONE_SIGNED_IN,
        target=lambda gym: gym.class_session.class_type_id,
        sees=SEES_ALL,
    ),
    Row("POST", "/class-types", MANAGERS_CREATE, body=lambda gym: {"name": "Matrix yoga"}),
    Row(
        "GET",
        "/class-types/{class_type_id}",
        EVERYONE_SIGNED_IN,
        lambda gym: {"class_type_id": gym.class_session.class_type_id},
    ),
    Row(
        "PATCH",
        "/class-types/{class_type_id}",
        MANAGERS_CHANGE,
        lambda gym: {"class_type_id": gym.class_session.class_type_id},
        body=lambda gym: {"description": "Changed by the matrix"},
    ),
    Row(
        "GET",
        "/locations",
        EVERYONE_SIGNED_IN,
        target=lambda gym: gym.class_session.location_id,
        sees=SEES_ALL,
    ),
    Row("POST", "/locations", MANAGERS_CREATE, body=lambda gym: {"name": "Matrix studio"}),
    Row(
        "PATCH",
        "/locations/{location_id}",
        MANAGERS_CHANGE,
        lambda gym: {"location_id": gym.class_session.location_id},
        body=lambda gym: {"address": "2 Low Street"},
    ),
    Row(
        "GET",
        "/rooms",
        EVERYONE_SIGNED_IN,
        target=lambda gym: gym.class_session.room_id,
        sees=SEES_ALL,
    ),
    Row(
        "POST",
        "/rooms",
        MANAGERS_CREATE,
        body=lambda gym: {
            "location": gym.class_session.location_id,
            "name": "Matrix room",
            "capacity": 10,
        },
    ),
    Row(
        "PATCH",
        "/rooms/{room_id}",
        MANAGERS_CHANGE,
        lambda gym: {"room_id": gym.class_session.room_id},
        body=lambda gym: {"capacity": 15},
    ),
    # --- Billing (money: owners, managers, the front desk; clients their own) ------------------
    Row("GET", "/products", _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.product.pk, sees=_sees(*[True] * 7)),
    Row("POST", "/products", _statuses(201, 201, 403, 403, 403, 403, 403, 401),
        body=lambda gym: {"kind": "pack", "name": "Five", "price": "40", "credits": 5}),
    Row("GET", "/products/{product_id}", _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        lambda gym: {"product_id": gym.product.pk}),
    Row("PATCH", "/products/{product_id}", _statuses(200, 200, 403, 403, 403, 403, 403, 401),
        lambda gym: {"product_id": gym.product.pk}, body=lambda gym: {"description": "New"}),
    Row("GET", "/memberships", _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.membership.pk,
        sees=_sees(True, True, True, False, True, True, False)),
    Row("POST", "/memberships", _statuses(201, 201, 403, 403, 201, 403, 403, 401),
        body=lambda gym: {"client_id": gym.stranger.pk, "product_id": gym.product.pk}),
    Row("GET", "/memberships/{membership_id}", _statuses(200, 200, 200, 404, 200, 200, 404, 401),
        _membership),
    Row("POST", "/memberships/{membership_id}/pause",
        _statuses(200, 200, 403, 404, 200, 403, 404, 401), _membership,
        body=lambda gym: {"starts_on": str(_today(3)), "ends_on": str(_today(9))}),
    Row("POST", "/memberships/{membership_id}/resume",
        _statuses(200, 200, 403, 404, 200, 403, 404, 401), _membership, body=lambda gym: {}),
    Row("POST", "/memberships/{membership_id}/cancel",
        _statuses(200, 200, 403, 404, 200, 200, 404, 401), _membership, body=lambda gym: {}),
    Row("GET", "/invoices", _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.invoice.pk,
        sees=_sees(True, True, False, False, True, True, False)),
    Row("POST", "/invoices", _statuses(201, 201, 403, 403, 201, 403, 403, 401),
        body=lambda gym: {"client_id": gym.member.pk,
                          "lines": [{"description": "Towel", "unit_price": "2"}]}),
    Row("GET", "/invoices/{invoice_id}", _statuses(200, 200, 404, 404, 200, 200, 404, 401),
        lambda gym: {"invoice_id": gym.invoice.pk}),
    Row("GET", "/invoices/{invoice_id}/pdf", _statuses(200, 200, 404, 404, 200, 200, 404, 401),
        lambda gym: {"invoice_id": gym.invoice.pk}),
    # A draft: clients never see one.
    Row("POST", "/invoices/{invoice_id}/issue", _statuses(200, 200, 404, 404, 200, 404, 404, 401),
        lambda gym: {"invoice_id": gym.draft.pk}, body=lambda gym: {}),
    Row("POST", "/invoices/{invoice_id}/void", _statuses(200, 200, 404, 404, 403, 403, 404, 401),
        lambda gym: {"invoice_id": gym.open_invoice.pk}, body=lambda gym: {"reason": "Twice"}),
    Row("GET", "/payments", _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.payment.pk,
        sees=_sees(True, True, False, False, True, True, False)),
    Row("POST", "/payments", _statuses(201, 201, 403, 403, 201, 403, 403, 401),
        body=lambda gym: {"invoice_id": gym.invoice.pk, "amount": "1", "method": "cash"}),
    Row("GET", "/payments/{payment_id}", _statuses(200, 200, 404, 404, 200, 200, 404, 401),
        lambda gym: {"payment_id": gym.payment.pk}),
    Row("GET", "/refunds", _statuses(200, 200, 200, 200, 200, 200, 200, 401),
        target=lambda gym: gym.refund.pk,
        sees=_sees(True, True, False, False, True, True, False)),
    Row("POST", "/refunds", _statuses(201, 201, 403, 403, 403, 403, 403, 401),
        body=lambda gym: {"payment_id": gym.payment.pk, "amount": "1", "reason": "Goodwill"}),
    Row("GET", "/refunds/{refund_id}", _statuses(200, 200, 404, 404, 200, 200, 404, 401),
        lambda gym: {"refund_id": gym.refund.pk}),
]  # fmt: skip


@pytest.fixture
def gym(trainer, client_user, outsider, front_desk, owner) -> BilledGym:
    scheduled = _scheduled_gym(trainer, client_user, outsider)
    product = ProductFactory(name="Unlimited")
    started = memberships.membership_start(
        actor=front_desk, client=scheduled.member, product=product
    )
    memberships.membership_pause(
        actor=front_desk, membership=started.membership, starts_on=_today(20), ends_on=_today(25)
    )
    payment = billing.payment_record(
        actor=front_desk, invoice=started.invoice, amount_minor=2000, method=PaymentMethod.CASH
    )
    refund = billing.refund_record(actor=owner, payment=payment, amount_minor=500, reason="Towel")
    line = [billing.LineSpec(description="PT session", unit_price_minor=3000)]
    return BilledGym(
        **{f.name: getattr(scheduled, f.name) for f in fields(ScheduledGym)},
        product=product,
        membership=started.membership,
        invoice=started.invoice,
        open_invoice=billing.invoice_create(
            actor=front_desk, client=scheduled.member, lines=line, issue=True
        ),
        draft=billing.invoice_create(actor=front_desk, client=scheduled.member, lines=line),
        payment=payment,
        refund=refund,
    )


def _scheduled_gym(trainer, client_user, outsider) -> ScheduledGym:
    base = build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    key, _raw = account_services.api_key_create(user=trainer, name="Zapier")
    class_session = ClassSessionFactory(
        trainer=base.coach, starts_at=_in_minutes(30), ends_at=_in_minutes(90)
    )
    open_class = ClassSessionFactory(
        trainer=base.coach, class_type=class_session.class_type, room=class_session.room,
        starts_at=in_days(1, 18),
    )  # fmt: skip
    personal_session = SessionFactory(trainer=base.other_coach, starts_at=in_days(2, 9))
    return ScheduledGym(
        **{f.name: getattr(base, f.name) for f in fields(Gym)},
        coach_key=key,
        class_session=class_session,
        open_class=open_class,
        personal_session=personal_session,
        member_booking=BookingFactory(session=class_session, client=base.member),
        stranger_booking=BookingFactory(session=personal_session, client=base.stranger),
    )


def _in_minutes(minutes: int):
    return timezone.now().replace(microsecond=0) + timedelta(minutes=minutes)


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
        return getattr(http, row.method.lower())(url, row.query(gym) if row.query else None)
    return getattr(http, row.method.lower())(url, json.dumps(body), content_type="application/json")


def _snapshot(gym: Gym) -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Client.objects.order_by("pk").values_list("pk", "goals", "archived_at", "status")),
        TimelineEntry.objects.count(),
        list(Assignment.objects.order_by("pk").values_list("pk", "is_primary", "end_date")),
        list(ApiKey.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(Session.objects.order_by("pk").values_list("pk", "title", "status", "starts_at")),
        list(Booking.objects.order_by("pk").values_list("pk", "status", "checked_in_at")),
        list(ClassType.objects.order_by("pk").values_list("pk", "name", "description")),
        list(Location.objects.order_by("pk").values_list("pk", "name", "address")),
        list(Room.objects.order_by("pk").values_list("pk", "name", "capacity")),
        list(Product.objects.order_by("pk").values_list("pk", "name", "description")),
        list(Membership.objects.order_by("pk").values_list("pk", "status", "ends_on")),
        MembershipPause.objects.count(),
        list(Invoice.objects.order_by("pk").values_list("pk", "status", "amount_paid_minor")),
        list(Payment.objects.order_by("pk").values_list("pk", "refunded_minor")),
        Refund.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.key)
def test_each_role_gets_the_expected_answer(row: Row, role: str, gym, caller):
    before = _snapshot(gym)
    response = _call(caller(role), row, row.url(gym), gym)
    expected = row.expected[role]
    assert response.status_code == expected, (row.key, role, response.content[:300])
    if expected >= 400:
        # A 403 may name the rule that refused (a trainer's colleague's session, a booking
        # for someone else); 401 and 404 say nothing more.
        codes = {
            401: {"not_authenticated"},
            403: {"forbidden", "not_your_session", "not_yourself"},
            404: {"not_found"},
        }
        code = response.json().get("code") if response.status_code == expected else None
        assert code in codes[expected], (row.key, role, code)
        assert_api_error(response, expected, code)
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
