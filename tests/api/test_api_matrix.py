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
from django.core.files.uploadedfile import SimpleUploadedFile
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
from tests.training_world import (
    ProgressRecords,
    TrainingRecords,
    give_progress,
    give_training,
    picture,
    training_snapshot,
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
    training: TrainingRecords | None = None
    progress: ProgressRecords | None = None


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
    # Records the row needs beyond the gym's (asked before `ids` and `body`).
    prepare: Callable[[Gym], None] | None = None
    # The body as multipart/form-data (with a file), not JSON.
    multipart: bool = False

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


# --- Training and progress photos -------------------------------------------------------------

LIBRARY_READERS = _statuses(200, 200, 200, 200, 403, 200, 200, 401)
LIBRARY_SEES = dict.fromkeys((role for role in ROLES[:-1] if role != "front_desk"), True)
COACHES_ONLY = _statuses(200, 200, 200, 200, 403, 403, 403, 401)
TRAINING_READERS = _statuses(200, 200, 200, 200, 403, 200, 200, 401)
# The member's workouts, in the lists of those who may read workouts at all.
MEMBER_TRAINING_SEES = {
    role: seen
    for role, seen in _sees(True, True, True, False, False, True, False).items()
    if role != "front_desk"
}
# The member's copy: coaches who see the member change it; the member reads it (403 on a
# change); the other trainer, the desk and the outsider do not see it.
COACHED_CHANGE = _statuses(200, 200, 200, 404, 404, 403, 404, 401)
COACHED_CREATE = _statuses(201, 201, 201, 404, 404, 403, 404, 401)
COACHED_DELETE = _statuses(204, 204, 204, 404, 404, 403, 404, 401)
# The member's workouts: the desk is refused by its role.
MEMBERS_TRAINING = _statuses(200, 200, 200, 404, 403, 200, 404, 401)
MEMBERS_PHOTO = _statuses(200, 200, 200, 404, 404, 200, 404, 401)


def _training(gym) -> None:
    gym.training = give_training(
        member=gym.member,
        coach=gym.coach,
        stranger=gym.stranger,
        other_coach=gym.other_coach,
    )


def _exercise(gym) -> dict:
    return {"exercise_id": gym.training.exercise.pk}


def _program(gym) -> dict:
    return {"program_id": gym.training.copy.program.pk}


def _program_day(gym) -> dict:
    return {**_program(gym), "day_id": gym.training.copy.day.pk}


def _program_entry(gym) -> dict:
    return {**_program(gym), "entry_id": gym.training.copy.entry.pk}


def _workout_log(gym) -> dict:
    return {"log_id": gym.training.log.pk}


def _progress_photo(gym) -> dict:
    return {"photo_id": gym.training.photo.pk}


def _workout(gym) -> dict:
    """The member's workout off-plan: one set of the business's own exercise."""
    return {
        "client_id": gym.member.pk,
        "performed_on": str(_today(0)),
        "sets": [{"exercise_id": gym.training.exercise.pk, "reps": 8, "load": "40"}],
    }


def _photo_upload(gym) -> dict:
    return {
        "client_id": gym.member.pk,
        "pose": "side",
        "taken_on": str(_today(0)),
        "file": SimpleUploadedFile("side.jpg", picture(), content_type="image/jpeg"),
    }


# --- Progress: measurements, goals, consent (the records of `give_progress`) -----------------

# The member's health data: coaches who see the member and the member; the front desk, like
# the other trainer and the outsider, does not see it.
MEMBERS_HEALTH = _statuses(200, 200, 200, 404, 404, 200, 404, 401)
MEMBERS_HEALTH_SEES = _sees(True, True, True, False, False, True, False)
# What the member's trainer recorded or set: the member reads it but may not change it.
STAFF_RECORDED_CHANGE = _statuses(200, 200, 200, 404, 404, 404, 404, 401)
# What the member recorded or set: they and the coaches who see them delete it.
OWN_RECORD_DELETE = _statuses(204, 204, 204, 404, 404, 204, 404, 401)


def _progress(gym) -> None:
    gym.progress = give_progress(
        member=gym.member,
        coach=gym.coach,
        stranger=gym.stranger,
        other_coach=gym.other_coach,
    )


def _measurement(gym, which: str = "measurement") -> dict:
    return {"measurement_id": getattr(gym.progress, which).pk}


def _goal(gym, which: str = "goal") -> dict:
    return {"goal_id": getattr(gym.progress, which).pk}


PRIVACY_READERS = _statuses(200, 200, 403, 403, 403, 200, 404, 401)
PRIVACY_MANAGERS = _statuses(200, 200, 403, 403, 403, 403, 403, 401)


def _export(gym) -> None:
    from fitnesscrm.privacy.services import export_create

    export_create(actor=gym.member.user, client=gym.member)


def _data_request(gym) -> None:
    from fitnesscrm.privacy.models import DataSubjectRequest

    DataSubjectRequest.objects.create(
        client=gym.member, kind="erasure", received_at=gym.member.created_at
    )


def _request_id(gym) -> int:
    from fitnesscrm.privacy.models import DataSubjectRequest

    return DataSubjectRequest.objects.get(client=gym.member, kind="erasure").pk


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
    # --- Training and progress photos (the records of tests/training_world.py) ----------------
    # Owners and managers see every client's training and photos, a trainer their clients',
    # a client their own; the front desk none (403 by role, or an empty list of photos); a
    # record of a client the caller may not see is 404.
    # Searched by name: the shipped library is longer than a page.
    Row("GET", "/exercises", LIBRARY_READERS, prepare=_training,
        query=lambda gym: {"q": "Matrix landmine"},
        target=lambda gym: gym.training.exercise.pk, sees=LIBRARY_SEES),
    Row("GET", "/exercises/muscle-groups", LIBRARY_READERS),
    Row("GET", "/exercises/equipment", LIBRARY_READERS),
    Row("POST", "/exercises", _statuses(201, 201, 201, 201, 403, 403, 403, 401), prepare=_training,
        body=lambda gym: {"name": "Matrix curl", "primary_muscles": ["chest"]}),
    Row("GET", "/exercises/{exercise_id}", LIBRARY_READERS, _exercise, prepare=_training),
    Row("PATCH", "/exercises/{exercise_id}", _statuses(200, 200, 200, 200, 403, 403, 403, 401),
        _exercise, prepare=_training, body=lambda gym: {"instructions": "Press up and out."}),
    Row("DELETE", "/exercises/{exercise_id}", _statuses(204, 204, 204, 204, 403, 403, 403, 401),
        _exercise, prepare=_training),
    Row("GET", "/programs", COACHES_ONLY, prepare=_training,
        target=lambda gym: gym.training.library.program.pk,
        sees=dict.fromkeys(("owner", "manager", "trainer_assigned", "trainer_unassigned"), True)),
    Row("POST", "/programs", _statuses(201, 201, 201, 201, 403, 403, 403, 401),
        body=lambda gym: {"name": "Matrix block"}),
    Row("GET", "/programs/{program_id}", _statuses(200, 200, 200, 404, 404, 200, 404, 401),
        _program, prepare=_training),
    Row("PATCH", "/programs/{program_id}", COACHED_CHANGE, _program, prepare=_training,
        body=lambda gym: {"description": "Changed by the matrix"}),
    Row("DELETE", "/programs/{program_id}", COACHED_DELETE, _program, prepare=_training),
    Row("POST", "/programs/{program_id}/copy", COACHED_CREATE, _program, prepare=_training,
        body=lambda gym: {}),
    Row("POST", "/programs/{program_id}/weeks", COACHED_CREATE, _program, prepare=_training,
        body=lambda gym: {}),
    Row("POST", "/programs/{program_id}/days", COACHED_CREATE, _program, prepare=_training,
        body=lambda gym: {"week": 1, "name": "Day B"}),
    Row("PATCH", "/programs/{program_id}/days/{day_id}", COACHED_CHANGE, _program_day,
        prepare=_training, body=lambda gym: {"name": "Day Z"}),
    Row("DELETE", "/programs/{program_id}/days/{day_id}", COACHED_DELETE, _program_day,
        prepare=_training),
    Row("POST", "/programs/{program_id}/days/{day_id}/exercises", COACHED_CREATE, _program_day,
        prepare=_training, body=lambda gym: {"exercise": gym.training.exercise.pk}),
    Row("PATCH", "/programs/{program_id}/exercises/{entry_id}", COACHED_CHANGE, _program_entry,
        prepare=_training, body=lambda gym: {"notes": "Pause at the bottom"}),
    Row("DELETE", "/programs/{program_id}/exercises/{entry_id}", COACHED_DELETE, _program_entry,
        prepare=_training),
    Row("GET", "/clients/{client_id}/programs", _statuses(200, 200, 200, 404, 404, 200, 404, 401),
        _member, prepare=_training, target=lambda gym: gym.training.copy.program.pk,
        sees=dict.fromkeys(("owner", "manager", "trainer_assigned", "client_own"), True)),
    # Assigning is for coaches (403 to the desk and clients by role); another trainer does
    # not see the member.
    Row("POST", "/clients/{client_id}/programs", _statuses(201, 201, 201, 404, 403, 403, 403, 401),
        _member, prepare=_training,
        body=lambda gym: {"program": gym.training.library.program.pk,
                          "start_date": str(_today(1))}),
    Row("GET", "/workout-logs", TRAINING_READERS, prepare=_training,
        target=lambda gym: gym.training.log.pk, sees=MEMBER_TRAINING_SEES),
    # The member logs their own workout; the outsider may not name the member.
    Row("POST", "/workout-logs", _statuses(201, 201, 201, 404, 403, 201, 404, 401),
        prepare=_training, body=_workout),
    Row("GET", "/workout-logs/{log_id}", MEMBERS_TRAINING, _workout_log, prepare=_training),
    Row("PUT", "/workout-logs/{log_id}", MEMBERS_TRAINING, _workout_log, prepare=_training,
        body=lambda gym: {k: v for k, v in _workout(gym).items() if k != "client_id"}),
    Row("PATCH", "/workout-logs/{log_id}", MEMBERS_TRAINING, _workout_log, prepare=_training,
        body=lambda gym: {"notes": "Felt strong"}),
    Row("DELETE", "/workout-logs/{log_id}", _statuses(204, 204, 204, 404, 403, 204, 404, 401),
        _workout_log, prepare=_training),
    Row("GET", "/clients/{client_id}/records", MEMBERS_TRAINING, _member, prepare=_training),
    Row("GET", "/clients/{client_id}/adherence", MEMBERS_TRAINING, _member, prepare=_training),
    Row("GET", "/photos", EVERYONE_SIGNED_IN, prepare=_training,
        target=lambda gym: gym.training.photo.pk,
        sees=_sees(True, True, True, False, False, True, False)),
    Row("POST", "/photos", _statuses(201, 201, 201, 404, 404, 201, 404, 401), prepare=_training,
        body=_photo_upload, multipart=True),
    Row("GET", "/photos/{photo_id}", MEMBERS_PHOTO, _progress_photo, prepare=_training),
    Row("DELETE", "/photos/{photo_id}", _statuses(204, 204, 204, 404, 404, 204, 404, 401),
        _progress_photo, prepare=_training),
    Row("GET", "/photos/{photo_id}/file", MEMBERS_PHOTO, _progress_photo, prepare=_training),
    # --- Progress: measurements, goals and consent ----------------------------------------------
    # The same rule as photos; the member consented to health data, the outsider did not.
    Row("GET", "/measurements", EVERYONE_SIGNED_IN, prepare=_progress,
        target=lambda gym: gym.progress.measurement.pk, sees=MEMBERS_HEALTH_SEES),
    Row("POST", "/measurements", _statuses(201, 201, 201, 404, 404, 201, 404, 401),
        prepare=_progress, body=lambda gym: {"client_id": gym.member.pk, "weight_kg": 83.5}),
    Row("GET", "/measurements/{measurement_id}", MEMBERS_HEALTH, _measurement, prepare=_progress),
    Row("PATCH", "/measurements/{measurement_id}", STAFF_RECORDED_CHANGE, _measurement,
        prepare=_progress, body=lambda gym: {"notes": "Changed by the matrix"}),
    Row("DELETE", "/measurements/{measurement_id}", OWN_RECORD_DELETE,
        lambda gym: _measurement(gym, "own_measurement"), prepare=_progress),
    Row("GET", "/goals", EVERYONE_SIGNED_IN, prepare=_progress,
        target=lambda gym: gym.progress.goal.pk, sees=MEMBERS_HEALTH_SEES),
    Row("POST", "/goals", _statuses(201, 201, 201, 404, 404, 201, 404, 401), prepare=_progress,
        body=lambda gym: {"client_id": gym.member.pk, "title": "Matrix hips", "metric": "hips_cm",
                          "start_value": 100, "target_value": 95,
                          "target_date": str(_today(60))}),
    Row("GET", "/goals/{goal_id}", MEMBERS_HEALTH, _goal, prepare=_progress),
    Row("PATCH", "/goals/{goal_id}", STAFF_RECORDED_CHANGE, _goal, prepare=_progress,
        body=lambda gym: {"notes": "Changed by the matrix"}),
    Row("DELETE", "/goals/{goal_id}", OWN_RECORD_DELETE, lambda gym: _goal(gym, "own_goal"),
        prepare=_progress),
    Row("GET", "/clients/{client_id}/consents", MEMBERS_HEALTH, _member, prepare=_progress),
    # A consent given in person is recorded by staff; the member records theirs as "api" (a
    # method that does not fit the caller is 422).
    Row("POST", "/clients/{client_id}/consents", _statuses(201, 201, 201, 404, 404, 422, 404, 401),
        _member, prepare=_progress, body=lambda gym: {"granted": True, "method": "in_person"}),
    # --- Privacy: exports and erasure of a client, the data-subject request log -------------------
    # Owners and managers for any client, a client for themselves; erasure the owner only.
    Row("POST", "/clients/{client_id}/export", _statuses(201, 201, 403, 403, 403, 201, 404, 401),
        _member),
    Row("GET", "/clients/{client_id}/export", PRIVACY_READERS, _member, prepare=_export),
    Row("POST", "/clients/{client_id}/erase", _statuses(200, 403, 403, 403, 403, 403, 404, 401),
        _member, body=lambda gym: {"confirmation": "ERASE"}),
    Row("GET", "/privacy/requests", _statuses(200, 200, 403, 403, 403, 200, 200, 401),
        prepare=_data_request, target=lambda gym: _request_id(gym),
        sees={"owner": True, "manager": True, "client_own": True, "outsider": False}),
    Row("POST", "/privacy/requests", _statuses(201, 201, 403, 403, 403, 201, 404, 401),
        body=lambda gym: {"client_id": gym.member.pk, "kind": "access"}),
    Row("GET", "/privacy/requests/{request_id}", PRIVACY_READERS,
        lambda gym: {"request_id": _request_id(gym)}, prepare=_data_request),
    Row("PATCH", "/privacy/requests/{request_id}", PRIVACY_MANAGERS,
        lambda gym: {"request_id": _request_id(gym)}, prepare=_data_request,
        body=lambda gym: {"status": "done"}),
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


def _prepare(row: Row, gym: Gym, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    if row.prepare:
        row.prepare(gym)


def _call(http: HttpClient, row: Row, url: str, gym: Gym):
    body = row.body(gym) if row.body else None
    if row.multipart:
        return getattr(http, row.method.lower())(url, body)
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
        training_snapshot(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.key)
def test_each_role_gets_the_expected_answer(row: Row, role: str, gym, caller, settings, tmp_path):
    _prepare(row, gym, settings, tmp_path)
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
            # Well-formed, but not what this caller may send (nothing is stored).
            422: {"validation_error"},
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
def test_a_guessed_id_answers_404_even_for_the_owner(row: Row, gym, caller, settings, tmp_path):
    _prepare(row, gym, settings, tmp_path)
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
