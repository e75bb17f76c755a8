"""Every page of the site against every role: who gets what, and nothing of anyone else's.

Each URL pattern (the API has its own matrix in tests/api/test_api_matrix.py) has an
entry here that says, for each role and for an anonymous visitor, what GET and POST
get ("login" = a redirect to the sign-in page), asked with the ids of real records of
a small gym built for each test:

- `member` is the `client` role's own record and a client of `trainer`; it carries
  health notes and injuries that only owners, managers and its trainer may read;
- `stranger` is coached by `other_trainer` and by nobody else, so `other_trainer`
  asking for `member`'s pages is a trainer asking for a client not assigned to them;
- `outsider` is a client with a record of their own and no link to anyone else's;
- a note, a follow-up task (given to `trainer`), an assignment, a certification, an
  API key (`trainer`'s), a staff account (`trainer`'s) and a CSV import (the
  manager's, so the front desk, which sees only its own imports, may not see it).

A new page without an entry fails the first test, so its access rule is decided when
it is added. A refusal changes nothing, and no answer carries what its reader may not
see. Where the site's answer breaks the product's rule, the entry keeps the rule and
the case is an expected failure, with the reason, until the site is fixed.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.urls import URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from fitnesscrm.accounts.models import ApiKey, User, UserSession
from fitnesscrm.billing.models import (
    CreditNote,
    Invoice,
    Payment,
    PaymentMethod,
    Product,
    PromoCode,
    TaxRate,
)
from fitnesscrm.clients.models import (
    Assignment,
    Client,
    ClientImport,
    FollowUpTask,
    TimelineEntry,
)
from fitnesscrm.scheduling.models import (
    Booking,
    CalendarFeed,
    ClassType,
    Location,
    Room,
    SchedulingSettings,
    Session,
    TimeOff,
    WorkingHours,
)
from fitnesscrm.trainers.models import Certification, Trainer
from tests.factories import (
    AssignmentFactory,
    BookingFactory,
    CertificationFactory,
    ClassSessionFactory,
    ClassTypeFactory,
    FollowUpTaskFactory,
    MemberFactory,
    ProductFactory,
    RoomFactory,
    SessionFactory,
    TimelineEntryFactory,
    TrainerFactory,
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

SKIP_PREFIXES = ("admin/", "api/v1/")
LOGIN = "login"
SIGN_IN = "/account/login/"
GUESSED_ID = 987654

ROLES = (
    "owner",
    "manager",
    "trainer",
    "other_trainer",
    "front_desk",
    "client",
    "outsider",
    "anonymous",
)

# Strings the world puts in its records, to look for in every answer.
MEMBER_NAME = "Mabel Quillfeather"
MEMBER_EMAIL = "mabel.quillfeather@example.test"
MEMBER_HEALTH = "HEALTH-NOTE-MARKER asthma"
MEMBER_INJURY = "INJURY-MARKER left knee"
STRANGER_NAME = "Sven Brightwater"
STRANGER_EMAIL = "sven.brightwater@example.test"
STRANGER_HEALTH = "HEALTH-NOTE-MARKER diabetic"

MEMBER = (MEMBER_NAME, MEMBER_EMAIL, MEMBER_HEALTH, MEMBER_INJURY)
STRANGER = (STRANGER_NAME, STRANGER_EMAIL, STRANGER_HEALTH)
HEALTH = (MEMBER_HEALTH, MEMBER_INJURY, STRANGER_HEALTH)

# What each role must never find in any answer, whatever the page and the status.
UNSEEN = {
    "owner": (),
    "manager": (),
    "trainer": STRANGER,
    "other_trainer": MEMBER,
    "front_desk": HEALTH,
    # A client's own health notes are kept by their trainer and not shown to them.
    "client": (*STRANGER, MEMBER_HEALTH, MEMBER_INJURY),
    "outsider": (*MEMBER, *STRANGER),
    "anonymous": (*MEMBER, *STRANGER),
}


@dataclass
class World:
    users: dict[str, User]
    coach: Trainer
    other_coach: Trainer
    member: Client
    stranger: Client
    assignment: Assignment
    note: TimelineEntry
    task: FollowUpTask
    certification: Certification
    api_key: ApiKey
    client_import: ClientImport
    # Scheduling: `coach`'s class tomorrow (the member booked into it), `other_coach`'s
    # personal session with `stranger`, and the bookings of both.
    location: Location
    room: Room
    class_type: ClassType
    session: Session
    other_session: Session
    booking: Booking
    stranger_booking: Booking
    # Training and progress photos, given by `give_training` to the pages that need them.
    training: TrainingRecords | None = None
    # Consents, measurements and goals, given by `give_progress` to the pages that need them.
    progress: ProgressRecords | None = None


@pytest.fixture
def world(owner, manager, trainer, front_desk, client_user, outsider) -> World:
    coach = TrainerFactory(user=trainer)
    other_coach = TrainerFactory(user__full_name="Nora Notassigned")
    member = MemberFactory(
        user=client_user,
        first_name="Mabel",
        last_name="Quillfeather",
        email=MEMBER_EMAIL,
        health_notes=MEMBER_HEALTH,
        injuries=MEMBER_INJURY,
    )
    stranger = MemberFactory(
        first_name="Sven",
        last_name="Brightwater",
        email=STRANGER_EMAIL,
        health_notes=STRANGER_HEALTH,
    )
    MemberFactory(user=outsider, first_name="Otto", last_name="Outsider")
    assignment = AssignmentFactory(client=member, trainer=coach)
    AssignmentFactory(client=stranger, trainer=other_coach)
    room = RoomFactory(name="Studio A", location__name="Main studio")
    class_type = ClassTypeFactory(name="Spin")
    session = ClassSessionFactory(
        trainer=coach, room=room, class_type=class_type, starts_at=in_days(1, 7)
    )
    other_session = SessionFactory(
        trainer=other_coach, title="Strength with Sven", starts_at=in_days(1, 10)
    )
    booking = BookingFactory(session=session, client=member)
    stranger_booking = BookingFactory(session=other_session, client=stranger)
    return World(
        users={
            "owner": owner,
            "manager": manager,
            "trainer": trainer,
            "other_trainer": other_coach.user,
            "front_desk": front_desk,
            "client": client_user,
            "outsider": outsider,
        },
        coach=coach,
        other_coach=other_coach,
        member=member,
        stranger=stranger,
        assignment=assignment,
        note=TimelineEntryFactory(client=member, body="Prefers mornings.", author=owner),
        task=FollowUpTaskFactory(client=member, assigned_to=trainer, title="Check in on goals"),
        certification=CertificationFactory(trainer=coach, name="First aid"),
        api_key=ApiKey.objects.create(user=trainer, name="Zapier", prefix="matrix0key01"),
        client_import=ClientImport.objects.create(
            created_by=manager,
            file_name="members.csv",
            headers=["First name", "Email"],
            preview=[["Ann", "ann@example.test"]],
            total_rows=1,
            mapping={"First name": "first_name", "Email": "email"},
        ),
        location=room.location,
        room=room,
        class_type=class_type,
        session=session,
        other_session=other_session,
        booking=booking,
        stranger_booking=stranger_booking,
    )


def give_photos(world: World) -> None:
    """A photo for the member and the stranger (files under the test's MEDIA_ROOT)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 60)).save(out, format="JPEG")
    for client in (world.member, world.stranger):
        client.photo.save("photo.jpg", ContentFile(out.getvalue()), save=True)


def _answers(*codes) -> dict[str, int | str]:
    assert len(codes) == len(ROLES), codes
    return dict(zip(ROLES, codes, strict=True))


def every(code) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, code)


@dataclass(frozen=True)
class Page:
    """What each role gets from one page, asked about the world's records."""

    get: dict[str, int | str]
    post: dict[str, int | str]
    ids: Callable[[World], dict] = lambda world: {}
    query: Callable[[World], dict] = lambda world: {}  # of the GET
    data: Callable[[World], dict] = lambda world: {}  # of the POST
    prepare: Callable[[World], None] | None = None
    # (method, role): why the site's answer is not yet the one the product asks for.
    known_bugs: dict[tuple[str, str], str] = field(default_factory=dict)


L = LOGIN
# Staff pages a client must not open: 403 for each client, the sign-in page for a visitor.
STAFF = (200, 200, 200, 200, 200, 403, 403, L)
MANAGEMENT = (200, 200, 403, 403, 403, 403, 403, L)
DESK = (200, 200, 403, 403, 200, 403, 403, L)


def _trainers_session(world: World) -> UserSession:
    """A session of `trainer` on another device (no store entry: only the row is ended)."""
    session, _ = UserSession.objects.get_or_create(
        session_key="matrix0trainer0phone0session0key0000000",
        defaults={"user": world.users["trainer"], "user_agent": "iPhone Safari/604.1"},
    )
    return session


def _member(world: World) -> dict:
    return {"client_id": world.member.pk}


def _import(world: World) -> dict:
    return {"import_id": world.client_import.pk}


def _coach(world: World) -> dict:
    return {"trainer_id": world.coach.pk}


def _session(world: World) -> dict:
    return {"session_id": world.session.pk}


def _booking(world: World) -> dict:
    return {"booking_id": world.booking.pk}


def _this_week(world: World) -> dict:
    return {"start": in_days(0, 0).isoformat(), "end": in_days(7, 0).isoformat()}


# `session` is `trainer`'s: `other_trainer` sees it in the timetable but may not change it.
OWN_SESSION = (200, 200, 200, 403, 200, 403, 403, L)
# Setup is for owners and managers: an empty form is shown again, a toggle redirects.
SETUP_FORM = (400, 400, 403, 403, 403, 403, 403, L)
SETUP_DONE = (302, 302, 403, 403, 403, 403, 403, L)


# Billing: the money roles' forms shown again (400) or their action's redirect (302).
MONEY_FORM = (400, 400, 403, 403, 400, 403, 403, L)
MONEY_DONE = (302, 302, 403, 403, 302, 403, 403, L)


def give_invoice(world: World) -> None:
    """The member's invoice of £50: £20 paid in cash, £5 of it refunded (a credit note)."""
    from fitnesscrm.billing import services as billing

    owner = world.users["owner"]
    plan = ProductFactory(name="Unlimited monthly")
    PromoCode.objects.create(code="SPRING", kind="percent", value=10, currency="GBP")
    invoice = billing.invoice_create(
        actor=owner,
        client=world.member,
        lines=[
            billing.LineSpec(
                description=plan.name, unit_price_minor=5000, product=plan, tax_rate=plan.tax_rate
            )
        ],
        issue=True,
    )
    payment = billing.payment_record(
        actor=owner, invoice=invoice, amount_minor=2000, method=PaymentMethod.CASH
    )
    billing.refund_record(actor=owner, payment=payment, amount_minor=500, reason="Goodwill")


def _invoice(world: World) -> dict:
    return {"invoice_id": Invoice.objects.get(client=world.member).pk}


# For each client id: owners, managers, the front desk and the member's trainer see the
# member; another trainer gets 404 as if the record did not exist.
CLIENT_PAGE = (200, 200, 200, 404, 200, 403, 403, L)

# Training and progress: see tests/training_world.py. Coaches are owners, managers and
# trainers; the front desk gets 403 by its role; a record of a client the user may not see
# (the member's, to the other trainer) is a 404.
LIBRARY = (200, 200, 200, 200, 403, 200, 200, L)
COACHING = (200, 200, 200, 200, 403, 403, 403, L)
COACHING_FORM = (400, 400, 400, 400, 403, 403, 403, L)
COACHING_DONE = (302, 302, 302, 302, 403, 403, 403, L)
COACHED = (200, 200, 200, 404, 403, 403, 403, L)
COACHED_FORM = (400, 400, 400, 404, 403, 403, 403, L)
COACHED_DONE = (302, 302, 302, 404, 403, 403, 403, L)
PORTAL = (403, 403, 403, 403, 403, 200, 200, L)
PORTAL_OWN = (403, 403, 403, 403, 403, 200, 404, L)
PHOTO = (200, 200, 200, 404, 403, 200, 404, L)


def give_training_records(world: World) -> None:
    world.training = give_training(
        member=world.member,
        coach=world.coach,
        stranger=world.stranger,
        other_coach=world.other_coach,
    )


def _exercise(world: World) -> dict:
    return {"exercise_id": world.training.exercise.pk}


def _copy(world: World, plan: str = "copy") -> dict:
    return {"pk": getattr(world.training, plan).program.pk}


def _week(world: World, plan: str = "copy") -> dict:
    return {**_copy(world, plan), "week_id": getattr(world.training, plan).week.pk}


def _day(world: World, plan: str = "copy") -> dict:
    return {**_copy(world, plan), "day_id": getattr(world.training, plan).day.pk}


def _entry(world: World, plan: str = "copy") -> dict:
    return {**_copy(world, plan), "entry_id": getattr(world.training, plan).entry.pk}


def _set(world: World, plan: str = "copy") -> dict:
    return {**_copy(world, plan), "set_id": getattr(world.training, plan).set.pk}


def _log(world: World) -> dict:
    return {"log_id": world.training.log.pk}


def _photo(world: World) -> dict:
    return {"photo_id": world.training.photo.pk}


def _photo_upload(world: World) -> dict:
    upload = SimpleUploadedFile("front.jpg", picture(), content_type="image/jpeg")
    return {"file": upload, "pose": "side", "taken_on": in_days(0).date().isoformat()}


def give_data_request(world: World) -> None:
    from fitnesscrm.privacy.models import DataSubjectRequest

    DataSubjectRequest.objects.create(
        client=world.member, kind="access", received_at=world.member.created_at
    )


def _data_request(world: World) -> dict:
    from fitnesscrm.privacy.models import DataSubjectRequest

    return {"request_id": DataSubjectRequest.objects.get(client=world.member).pk}


def give_export(world: World) -> None:
    from fitnesscrm.privacy.services import export_create

    export_create(actor=world.users["owner"], client=world.member)


def _export(world: World) -> dict:
    from fitnesscrm.privacy.models import DataExport

    return {"export_id": DataExport.objects.get(client=world.member).pk}


def _member_export(world: World) -> dict:
    return {**_member(world), **_export(world)}


def give_progress_records(world: World) -> None:
    """The stranger's records carry the stranger's health marker, to be found nowhere else."""
    world.progress = give_progress(
        member=world.member,
        coach=world.coach,
        stranger=world.stranger,
        other_coach=world.other_coach,
        stranger_note=STRANGER_HEALTH,
    )


def _measurement(world: World, which: str = "measurement") -> dict:
    return {"measurement_id": getattr(world.progress, which).pk}


def _goal(world: World, which: str = "goal") -> dict:
    return {"goal_id": getattr(world.progress, which).pk}


def _own_measurement(world: World) -> dict:
    return _measurement(world, "own_measurement")


def _own_goal(world: World) -> dict:
    return _goal(world, "own_goal")


# A client's own records in the portal: 403 to staff, each client only their own.
PORTAL_OWN_FORM = (403, 403, 403, 403, 403, 400, 404, L)
PORTAL_OWN_DONE = (403, 403, 403, 403, 403, 302, 404, L)


# Columns: owner, manager, trainer, other_trainer, front_desk, client, outsider, anonymous.
# A POST is sent with no fields of its own (unless `data` says otherwise): 302 is the
# redirect after the action or its message, 400 the form shown again with its errors.
PAGES: dict[str, Page] = {
    "root": Page(get=every(302), post=every(302)),
    "home": Page(get=_answers(302, 302, 302, 302, 302, 302, 302, L), post=_answers(*[302] * 7, L)),
    "home-owner": Page(get=_answers(200, 403, 403, 403, 403, 403, 403, L), post=every(405)),
    "home-manager": Page(get=_answers(403, 200, 403, 403, 403, 403, 403, L), post=every(405)),
    "home-trainer": Page(get=_answers(403, 403, 200, 200, 403, 403, 403, L), post=every(405)),
    "home-front-desk": Page(get=_answers(403, 403, 403, 403, 200, 403, 403, L), post=every(405)),
    "home-client": Page(get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)),
    # --- Accounts
    "accounts:login": Page(get=_answers(*[302] * 7, 200), post=_answers(*[302] * 7, 200)),
    "accounts:logout": Page(get=every(405), post=every(L)),
    "accounts:password-change": Page(get=_answers(*[200] * 7, L), post=_answers(*[200] * 7, L)),
    "accounts:password-reset": Page(get=every(200), post=every(200)),
    "accounts:password-reset-done": Page(get=every(200), post=every(405)),
    "accounts:password-reset-confirm": Page(
        get=every(200),
        post=every(200),
        # The member's login with a token that was never issued: the link is refused.
        ids=lambda world: {
            "uidb64": urlsafe_base64_encode(force_bytes(world.users["client"].pk)),
            "token": "set-password",
        },
    ),
    "accounts:password-reset-complete": Page(get=every(200), post=every(405)),
    "accounts:api-keys": Page(
        get=_answers(200, 200, 200, 200, 200, 403, 403, L),
        post=_answers(400, 400, 400, 400, 400, 403, 403, L),
    ),
    "accounts:api-key-revoke": Page(
        get=every(405),
        # The key is the trainer's: they and the owner may revoke it, nobody else.
        post=_answers(302, 404, 302, 404, 404, 403, 403, L),
        ids=lambda world: {"key_id": world.api_key.pk},
    ),
    # Sign-in security: the code step, two-factor set-up (staff), policy and unlock (owner).
    "accounts:login-code": Page(get=_answers(*[302] * 7, L), post=_answers(*[302] * 7, L)),
    "accounts:two-factor": Page(get=_answers(*STAFF), post=every(405)),
    "accounts:two-factor-enrol": Page(
        get=_answers(*STAFF), post=_answers(400, 400, 400, 400, 400, 403, 403, L)
    ),
    # Nobody in the world has 2FA on: the page sends them to the set-up.
    "accounts:two-factor-disable": Page(
        get=_answers(302, 302, 302, 302, 302, 403, 403, L),
        post=_answers(302, 302, 302, 302, 302, 403, 403, L),
    ),
    "accounts:two-factor-recovery": Page(
        get=every(405), post=_answers(400, 400, 400, 400, 400, 403, 403, L)
    ),
    "accounts:security": Page(
        get=_answers(200, 403, 403, 403, 403, 403, 403, L),
        post=_answers(400, 403, 403, 403, 403, 403, 403, L),
    ),
    "accounts:unlock": Page(
        get=every(405),
        post=_answers(302, 403, 403, 403, 403, 403, 403, L),
        ids=lambda world: {"user_id": world.users["trainer"].pk},
    ),
    # Everyone signed in sees their own sessions; the session to end is the trainer's.
    "accounts:sessions": Page(get=_answers(*[200] * 7, L), post=every(405)),
    "accounts:session-end": Page(
        get=every(405),
        post=_answers(404, 404, 302, 404, 404, 404, 404, L),
        ids=lambda world: {"session_id": _trainers_session(world).pk},
    ),
    "accounts:sessions-end-others": Page(get=every(405), post=_answers(*[302] * 7, L)),
    # The password again before ending other sessions: an empty one is the form again.
    "accounts:confirm-password": Page(get=_answers(*[200] * 7, L), post=_answers(*[400] * 7, L)),
    "audit-log": Page(get=_answers(*MANAGEMENT), post=every(405)),
    # --- Clients: export and import
    "clients-io:export": Page(get=_answers(*STAFF), post=every(405)),
    "clients-io:import": Page(
        get=_answers(*DESK), post=_answers(400, 400, 403, 403, 400, 403, 403, L)
    ),
    # The import is the manager's: the front desk sees only its own.
    "clients-io:import-detail": Page(
        get=_answers(200, 200, 403, 403, 404, 403, 403, L), post=every(405), ids=_import
    ),
    "clients-io:import-mapping": Page(
        get=every(405), post=_answers(302, 302, 403, 403, 404, 403, 403, L), ids=_import
    ),
    "clients-io:import-progress": Page(
        get=_answers(302, 302, 403, 403, 404, 403, 403, L), post=every(405), ids=_import
    ),
    "clients-io:import-commit": Page(
        get=every(405), post=_answers(302, 302, 403, 403, 404, 403, 403, L), ids=_import
    ),
    "clients-io:import-cancel": Page(
        get=every(405), post=_answers(302, 302, 403, 403, 404, 403, 403, L), ids=_import
    ),
    "clients-io:import-errors": Page(
        get=_answers(200, 200, 403, 403, 404, 403, 403, L), post=every(405), ids=_import
    ),
    # --- Clients
    "clients:list": Page(get=_answers(*STAFF), post=every(405)),
    "clients:bulk": Page(get=every(405), post=_answers(302, 302, 302, 302, 302, 403, 403, L)),
    "clients:create": Page(
        get=_answers(*STAFF), post=_answers(400, 400, 400, 400, 400, 403, 403, L)
    ),
    "clients:detail": Page(get=_answers(*CLIENT_PAGE), post=every(405), ids=_member),
    "clients:edit": Page(
        get=_answers(*CLIENT_PAGE), post=_answers(400, 400, 400, 404, 400, 403, 403, L), ids=_member
    ),
    "clients:archive": Page(
        get=every(405), post=_answers(302, 302, 403, 403, 302, 403, 403, L), ids=_member
    ),
    "clients:restore": Page(
        get=every(405), post=_answers(302, 302, 403, 403, 302, 403, 403, L), ids=_member
    ),
    "clients:note-add": Page(
        get=every(405), post=_answers(400, 400, 400, 404, 400, 403, 403, L), ids=_member
    ),
    "clients:note-pin": Page(
        get=every(405),
        post=_answers(302, 302, 302, 404, 302, 403, 403, L),
        ids=lambda world: {"client_id": world.member.pk, "entry_id": world.note.pk},
    ),
    "clients:status": Page(
        get=every(405), post=_answers(302, 302, 302, 404, 302, 403, 403, L), ids=_member
    ),
    "clients:stage": Page(
        get=every(405), post=_answers(302, 302, 302, 404, 302, 403, 403, L), ids=_member
    ),
    "clients:assign": Page(
        get=every(405), post=_answers(400, 400, 403, 403, 400, 403, 403, L), ids=_member
    ),
    "clients:assignment-end": Page(
        get=every(405),
        post=_answers(302, 302, 403, 403, 302, 403, 403, L),
        ids=lambda world: {"client_id": world.member.pk, "assignment_id": world.assignment.pk},
    ),
    "clients:task-add": Page(
        get=every(405), post=_answers(400, 400, 400, 404, 400, 403, 403, L), ids=_member
    ),
    # GET compares the member with the stranger field by field; POST merges them.
    "clients:merge": Page(
        get=_answers(200, 200, 403, 403, 200, 403, 403, L),
        post=_answers(302, 302, 403, 403, 302, 403, 403, L),
        ids=_member,
        query=lambda world: {"duplicate": world.stranger.pk},
        data=lambda world: {"duplicate": world.stranger.pk},
    ),
    "clients:invite": Page(
        get=every(405), post=_answers(302, 302, 302, 404, 302, 403, 403, L), ids=_member
    ),
    # The client may see their own photo; nobody else outside the staff who see the record.
    "clients:photo": Page(
        get=_answers(200, 200, 200, 404, 200, 200, 404, L),
        post=every(405),
        ids=_member,
        prepare=give_photos,
    ),
    "clients:leads": Page(get=_answers(*STAFF), post=every(405)),
    "clients:tasks": Page(get=_answers(*STAFF), post=every(405)),
    # The task is the trainer's: they, owners and managers may tick it off.
    "clients:task-done": Page(
        get=every(405),
        post=_answers(302, 302, 302, 404, 404, 403, 403, L),
        ids=lambda world: {"task_id": world.task.pk},
    ),
    "clients:portal-profile": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L),
        post=_answers(403, 403, 403, 403, 403, 302, 302, L),
    ),
    # --- Trainers and staff
    "trainers:list": Page(get=_answers(*STAFF), post=every(405)),
    "trainers:create": Page(
        get=_answers(*MANAGEMENT), post=_answers(400, 400, 403, 403, 403, 403, 403, L)
    ),
    # Every member of staff may read a trainer's profile; its editors are management and
    # the trainer themselves (a refusal, not a 404: the profile is no secret to staff).
    "trainers:detail": Page(get=_answers(*STAFF), post=every(405), ids=_coach),
    "trainers:edit": Page(
        get=_answers(200, 200, 200, 403, 403, 403, 403, L),
        post=_answers(400, 400, 302, 403, 403, 403, 403, L),
        ids=_coach,
    ),
    "trainers:certification-add": Page(
        get=every(405), post=_answers(400, 400, 400, 403, 403, 403, 403, L), ids=_coach
    ),
    "trainers:certification-delete": Page(
        get=every(405),
        post=_answers(302, 302, 302, 403, 403, 403, 403, L),
        ids=lambda world: {"trainer_id": world.coach.pk, "cert_id": world.certification.pk},
    ),
    "trainers:staff": Page(
        get=_answers(*MANAGEMENT), post=_answers(400, 400, 403, 403, 403, 403, 403, L)
    ),
    "trainers:staff-active": Page(
        get=every(405),
        post=_answers(302, 403, 403, 403, 403, 403, 403, L),
        ids=lambda world: {"user_id": world.users["trainer"].pk},
    ),
    "trainers:staff-invite": Page(
        get=every(405),
        post=_answers(302, 302, 403, 403, 403, 403, 403, L),
        ids=lambda world: {"user_id": world.users["trainer"].pk},
    ),
    # --- Scheduling: the calendar, sessions, bookings, setup (views/, urls.py)
    "scheduling:calendar": Page(get=_answers(*STAFF), post=every(405)),
    "scheduling:events": Page(get=_answers(*STAFF), post=every(405), query=_this_week),
    "scheduling:session-list": Page(get=_answers(*STAFF), post=every(405)),
    "scheduling:session-create": Page(
        get=_answers(*STAFF), post=_answers(400, 400, 400, 400, 400, 403, 403, L)
    ),
    # Every member of staff reads the timetable; a trainer changes only their own sessions
    # and sees only the bookings of their sessions and their clients.
    "scheduling:session-detail": Page(get=_answers(*STAFF), post=every(405), ids=_session),
    "scheduling:session-edit": Page(
        get=_answers(*OWN_SESSION),
        post=_answers(400, 400, 400, 403, 400, 403, 403, L),
        ids=_session,
    ),
    "scheduling:session-move": Page(
        get=every(405), post=_answers(400, 400, 400, 403, 400, 403, 403, L), ids=_session
    ),
    "scheduling:session-cancel": Page(
        get=_answers(*OWN_SESSION),
        post=_answers(302, 302, 302, 403, 302, 403, 403, L),
        ids=_session,
    ),
    "scheduling:booking-add": Page(
        get=every(405), post=_answers(400, 400, 400, 403, 400, 403, 403, L), ids=_session
    ),
    # Check-in opens an hour before the start: the answer is the page with that message.
    "scheduling:check-in-all": Page(
        get=every(405), post=_answers(302, 302, 302, 403, 302, 403, 403, L), ids=_session
    ),
    "scheduling:booking-cancel": Page(
        get=every(405), post=_answers(302, 302, 302, 404, 302, 403, 403, L), ids=_booking
    ),
    "scheduling:booking-attendance": Page(
        get=every(405), post=_answers(302, 302, 302, 404, 302, 403, 403, L), ids=_booking
    ),
    "scheduling:setup-locations": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "scheduling:setup-location": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"location_id": world.location.pk},
    ),
    "scheduling:setup-location-active": Page(
        get=every(405),
        post=_answers(*SETUP_DONE),
        ids=lambda world: {"location_id": world.location.pk},
    ),
    "scheduling:setup-rooms": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "scheduling:setup-room": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"room_id": world.room.pk},
    ),
    "scheduling:setup-room-active": Page(
        get=every(405), post=_answers(*SETUP_DONE), ids=lambda world: {"room_id": world.room.pk}
    ),
    "scheduling:setup-class-types": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "scheduling:setup-class-type": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"class_type_id": world.class_type.pk},
    ),
    "scheduling:setup-class-type-active": Page(
        get=every(405),
        post=_answers(*SETUP_DONE),
        ids=lambda world: {"class_type_id": world.class_type.pk},
    ),
    # Managers read the owner's policy; only the owner changes it.
    "scheduling:policy": Page(
        get=_answers(*MANAGEMENT), post=_answers(400, 403, 403, 403, 403, 403, 403, L)
    ),
    # --- Scheduling: calendar feeds (feed_views.py, urls_feeds.py)
    # The feed itself is public: its secret token (here `trainer`'s) is the only credential,
    # so every visitor gets the same calendar, and it names no client of a class.
    "feeds:feed": Page(
        get=every(200),
        post=every(405),
        ids=lambda world: {
            "token": CalendarFeed.objects.get_or_create(trainer=world.coach)[0].token
        },
    ),
    # A trainer's feed address: the trainer and management; other staff are refused.
    "feeds:trainer": Page(
        get=_answers(200, 200, 200, 403, 403, 403, 403, L), post=every(405), ids=_coach
    ),
    "feeds:trainer-rotate": Page(
        get=every(405), post=_answers(302, 302, 302, 403, 403, 403, 403, L), ids=_coach
    ),
    # A client's own feed address, in the portal.
    "feeds:portal": Page(get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)),
    "feeds:portal-rotate": Page(
        get=every(405), post=_answers(403, 403, 403, 403, 403, 302, 302, L)
    ),
    # --- Scheduling: availability and the portal (views_availability.py, views_portal.py)
    # Owners and managers pick a trainer; a trainer goes straight to their own hours.
    "availability:index": Page(get=_answers(200, 200, 302, 302, 403, 403, 403, L), post=every(405)),
    # The coach's hours: the coach and management; another trainer and the desk are refused.
    "availability:trainer": Page(
        get=_answers(200, 200, 200, 403, 403, 403, 403, L),
        post=_answers(302, 302, 302, 403, 403, 403, 403, L),
        ids=_coach,
    ),
    "availability:time-off-add": Page(
        get=every(405), post=_answers(400, 400, 400, 403, 403, 403, 403, L), ids=_coach
    ),
    "availability:time-off-remove": Page(
        get=every(405),
        post=_answers(302, 302, 302, 403, 403, 403, 403, L),
        prepare=lambda world: TimeOff.objects.create(
            trainer=world.coach, starts_at=in_days(5, 8), ends_at=in_days(5, 18)
        ),
        ids=lambda world: {
            "trainer_id": world.coach.pk,
            "time_off_id": TimeOff.objects.get(trainer=world.coach).pk,
        },
    ),
    # The portal's schedule: clients only. The member is already in the class (a message),
    # the outsider gets a seat; someone else's booking or trainer is a 404.
    "portal-schedule:timetable": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)
    ),
    "portal-schedule:book": Page(
        get=every(405),
        post=_answers(403, 403, 403, 403, 403, 302, 302, L),
        data=lambda world: {"session": world.session.pk},
    ),
    "portal-schedule:bookings": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)
    ),
    "portal-schedule:cancel": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 404, L),
        post=_answers(403, 403, 403, 403, 403, 302, 404, L),
        query=lambda world: {"booking": world.booking.pk},
        data=lambda world: {"booking": world.booking.pk},
    ),
    "portal-schedule:trainer": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 404, L),
        post=every(405),
        query=lambda world: {"trainer": world.coach.pk},
    ),
    # The coach has no working hours in this world: the member is told the time is taken.
    "portal-schedule:trainer-book": Page(
        get=every(405),
        post=_answers(403, 403, 403, 403, 403, 302, 404, L),
        data=lambda world: {"trainer": world.coach.pk, "starts_at": in_days(2, 10).isoformat()},
    ),
    # --- Billing: memberships and credits (views_memberships.py)
    # --- Billing: invoices, payments, setup (views/, urls.py)
    # The member's invoice (part paid, part refunded) and the catalogue: see give_invoice.
    # Money pages are for the owner, managers and the front desk; refunds, voids and
    # write-offs for owners and managers; the catalogue for them too.
    "billing:invoices": Page(get=_answers(*DESK), post=every(405)),
    "billing:invoice-create": Page(
        get=_answers(*DESK), post=_answers(400, 400, 403, 403, 400, 403, 403, L)
    ),
    "billing:invoice": Page(
        get=_answers(*DESK), post=every(405), ids=_invoice, prepare=give_invoice
    ),
    "billing:invoice-pdf": Page(
        get=_answers(*DESK), post=every(405), ids=_invoice, prepare=give_invoice
    ),
    "billing:invoice-pay": Page(
        get=every(405), post=_answers(*MONEY_FORM), ids=_invoice, prepare=give_invoice
    ),
    # The invoice is already issued and has payments: the answer is the page with why not.
    "billing:invoice-issue": Page(
        get=every(405), post=_answers(*MONEY_DONE), ids=_invoice, prepare=give_invoice
    ),
    "billing:invoice-delete": Page(
        get=every(405), post=_answers(*MONEY_DONE), ids=_invoice, prepare=give_invoice
    ),
    "billing:invoice-void": Page(
        get=every(405), post=_answers(*SETUP_FORM), ids=_invoice, prepare=give_invoice
    ),
    "billing:invoice-write-off": Page(
        get=every(405), post=_answers(*SETUP_DONE), ids=_invoice, prepare=give_invoice
    ),
    "billing:invoice-email": Page(
        get=every(405), post=_answers(*MONEY_DONE), ids=_invoice, prepare=give_invoice
    ),
    # No saved card in the world: the money roles are told so (302 with the message).
    "billing:invoice-charge-card": Page(
        get=every(405), post=_answers(*MONEY_DONE), ids=_invoice, prepare=give_invoice
    ),
    "billing:payment-refund": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"payment_id": Payment.objects.get(client=world.member).pk},
        prepare=give_invoice,
    ),
    "billing:credit-note-pdf": Page(
        get=_answers(*DESK),
        post=every(405),
        ids=lambda world: {"credit_note_id": CreditNote.objects.get().pk},
        prepare=give_invoice,
    ),
    # Trainers see memberships (their clients' only, without amounts).
    "billing:memberships": Page(get=_answers(*STAFF), post=every(405)),
    "billing:products": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "billing:product": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"product_id": Product.objects.get().pk},
        prepare=give_invoice,
    ),
    "billing:tax-rates": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "billing:tax-rate": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"tax_rate_id": TaxRate.objects.get().pk},
        prepare=give_invoice,
    ),
    "billing:promo-codes": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "billing:promo-code": Page(
        get=_answers(*MANAGEMENT),
        post=_answers(*SETUP_FORM),
        ids=lambda world: {"promo_code_id": PromoCode.objects.get().pk},
        prepare=give_invoice,
    ),
    # Managers read the owner's billing settings; only the owner changes them.
    "billing:settings": Page(
        get=_answers(*MANAGEMENT), post=_answers(400, 403, 403, 403, 403, 403, 403, L)
    ),
    # --- Billing: Stripe (webhook, checkout returns)
    # Stripe posts events signed with the endpoint's secret; anything else is a 400 for anyone.
    "billing-stripe:webhook": Page(get=every(405), post=every(400)),
    # Where Stripe's hosted page sends a client back: clients only.
    "billing-stripe:checkout-done": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)
    ),
    "billing-stripe:checkout-cancelled": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)
    ),
    # --- Billing: portal and revenue (views_portal.py, views_revenue.py)
    # Revenue reports and their CSV files: owners and managers only.
    "revenue:index": Page(get=_answers(*MANAGEMENT), post=every(405)),
    "revenue:mrr-csv": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:period": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:period-csv": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:products": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:products-csv": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:trainers": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:trainers-csv": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:aging": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    "revenue:aging-csv": Page(get=_answers(*MANAGEMENT), post=every(405), prepare=give_invoice),
    # The client's billing in the portal: clients only; the member's invoice, credit note and
    # membership are a 404 to the outsider. Stripe is not configured here, so paying and
    # saving a card redirect with a message to pay at the desk.
    "billing-portal:index": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405), prepare=give_invoice
    ),
    "billing-portal:invoices": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405), prepare=give_invoice
    ),
    "billing-portal:invoice": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 404, L),
        post=every(405),
        ids=_invoice,
        prepare=give_invoice,
    ),
    "billing-portal:invoice-pdf": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 404, L),
        post=every(405),
        ids=_invoice,
        prepare=give_invoice,
    ),
    "billing-portal:pay": Page(
        get=every(405),
        post=_answers(403, 403, 403, 403, 403, 302, 404, L),
        ids=_invoice,
        prepare=give_invoice,
    ),
    "billing-portal:credit-note-pdf": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 404, L),
        post=every(405),
        ids=lambda world: {"credit_note_id": CreditNote.objects.get().pk},
        prepare=give_invoice,
    ),
    # The member's monthly membership; cancelling it (at the period end) redirects.
    "billing-portal:cancel": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 404, L),
        post=_answers(403, 403, 403, 403, 403, 302, 404, L),
        ids=lambda world: {"membership_id": world.member.memberships.get().pk},
        prepare=lambda world: world.member.memberships.create(
            product=ProductFactory(name="Matrix monthly"),
            price_minor=4500,
            currency="GBP",
            interval="month",
            anchor_day=1,
            started_on=in_days(-10).date(),
            current_period_start=in_days(-10).date(),
            current_period_end=in_days(20).date(),
        ),
    ),
    "billing-portal:card": Page(
        get=every(405), post=_answers(403, 403, 403, 403, 403, 302, 302, L)
    ),
    "billing-portal:shop": Page(
        get=_answers(403, 403, 403, 403, 403, 200, 200, L), post=every(405)
    ),
    # Each client buys the pack for themselves: an invoice of their own, then the desk.
    "billing-portal:buy": Page(
        get=every(405),
        post=_answers(403, 403, 403, 403, 403, 302, 302, L),
        prepare=lambda world: ProductFactory(
            kind="pack", name="Matrix pack", interval="", credits=5, price_minor=6000
        ),
        data=lambda world: {"product": Product.objects.get(name="Matrix pack").pk},
    ),
    # --- Training: the exercise library (training/views/exercises.py)
    # Coaches and clients read the library; coaches keep the business's own exercises (the
    # one asked about here, with a picture); the front desk sees none of it.
    "exercises:list": Page(get=_answers(*LIBRARY), post=every(405)),
    "exercises:detail": Page(
        get=_answers(*LIBRARY), post=every(405), ids=_exercise, prepare=give_training_records
    ),
    "exercises:image": Page(
        get=_answers(*LIBRARY), post=every(405), ids=_exercise, prepare=give_training_records
    ),
    "exercises:create": Page(get=_answers(*COACHING), post=_answers(*COACHING_FORM)),
    "exercises:edit": Page(
        get=_answers(*COACHING),
        post=_answers(*COACHING_FORM),
        ids=_exercise,
        prepare=give_training_records,
    ),
    "exercises:archive": Page(
        get=every(405), post=_answers(*COACHING_DONE), ids=_exercise, prepare=give_training_records
    ),
    # Not archived: the coach is told so.
    "exercises:restore": Page(
        get=every(405), post=_answers(*COACHING_DONE), ids=_exercise, prepare=give_training_records
    ),
    # --- Training: programs (training/views/programs.py, programs_builder.py)
    # The library is for coaches; the pages of one program are asked about the member's
    # copy, which the other trainer may not see (404).
    "programs:list": Page(get=_answers(*COACHING), post=every(405)),
    "programs:create": Page(get=_answers(*COACHING), post=_answers(*COACHING_FORM)),
    "programs:client": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_member,
        prepare=give_training_records,
    ),
    "programs:builder": Page(
        get=_answers(*COACHED), post=every(405), ids=_copy, prepare=give_training_records
    ),
    "programs:details": Page(
        get=every(405), post=_answers(*COACHED_FORM), ids=_copy, prepare=give_training_records
    ),
    "programs:copy": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_copy, prepare=give_training_records
    ),
    "programs:save-as-template": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_copy, prepare=give_training_records
    ),
    "programs:archive": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_copy, prepare=give_training_records
    ),
    # No action chosen: the coach is told to choose one.
    "programs:status": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_copy, prepare=give_training_records
    ),
    "programs:week-add": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_copy, prepare=give_training_records
    ),
    "programs:week-copy": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_week, prepare=give_training_records
    ),
    "programs:week-remove": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_week, prepare=give_training_records
    ),
    "programs:day-add": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_week, prepare=give_training_records
    ),
    "programs:day-update": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_day, prepare=give_training_records
    ),
    "programs:day-remove": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_day, prepare=give_training_records
    ),
    # Without an htmx request the picker is the builder with the results open.
    "programs:picker": Page(
        get=_answers(*COACHED_DONE), post=every(405), ids=_day, prepare=give_training_records
    ),
    # No exercise chosen: the day is shown again with the message.
    "programs:exercise-add": Page(
        get=every(405), post=_answers(*COACHED_FORM), ids=_day, prepare=give_training_records
    ),
    "programs:reorder": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_day, prepare=give_training_records
    ),
    "programs:exercise-update": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_entry, prepare=give_training_records
    ),
    "programs:exercise-move": Page(
        get=every(405), post=_answers(*COACHED_FORM), ids=_entry, prepare=give_training_records
    ),
    "programs:exercise-remove": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_entry, prepare=give_training_records
    ),
    "programs:set-add": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_entry, prepare=give_training_records
    ),
    "programs:set-update": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_set, prepare=give_training_records
    ),
    "programs:set-remove": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_set, prepare=give_training_records
    ),
    # --- Training: workouts (training/views/workouts.py)
    # Coaches log and read the workouts of the clients they see; the member's log here.
    "workouts:client": Page(
        get=_answers(*COACHED), post=every(405), ids=_member, prepare=give_training_records
    ),
    "workouts:new": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_member,
        prepare=give_training_records,
    ),
    "workouts:detail": Page(
        get=_answers(*COACHED), post=every(405), ids=_log, prepare=give_training_records
    ),
    "workouts:edit": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_log,
        prepare=give_training_records,
    ),
    "workouts:delete": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_DONE),
        ids=_log,
        prepare=give_training_records,
    ),
    # Each coach sees the adherence of their own clients only.
    "workouts:adherence": Page(
        get=_answers(*COACHING), post=every(405), prepare=give_training_records
    ),
    # One more blank row of the workout form (staff's and the portal's).
    "workouts:extra-set": Page(
        get=_answers(*LIBRARY), post=every(405), query=lambda world: {"index": 3}
    ),
    # --- Training: the portal (training/views/portal_training.py)
    # Clients only, each their own: the member logs their plan's day, the outsider off-plan;
    # an empty form is shown again.
    "portal-training:today": Page(
        get=_answers(*PORTAL),
        post=_answers(403, 403, 403, 403, 403, 400, 400, L),
        prepare=give_training_records,
    ),
    "portal-training:programs": Page(
        get=_answers(*PORTAL), post=every(405), prepare=give_training_records
    ),
    "portal-training:history": Page(
        get=_answers(*PORTAL), post=every(405), prepare=give_training_records
    ),
    "portal-training:records": Page(
        get=_answers(*PORTAL), post=every(405), prepare=give_training_records
    ),
    "portal-training:log": Page(
        get=_answers(*PORTAL_OWN), post=every(405), ids=_log, prepare=give_training_records
    ),
    "portal-training:delete": Page(
        get=_answers(*PORTAL_OWN),
        post=_answers(403, 403, 403, 403, 403, 302, 404, L),
        ids=_log,
        prepare=give_training_records,
    ),
    # --- Progress photos (progress/views/photos.py)
    # The member's photos, to coaches who see the member; the files to the member too. A
    # picture is uploaded (the member and the stranger consented to health data).
    "photos:gallery": Page(
        get=_answers(*COACHED), post=every(405), ids=_member, prepare=give_training_records
    ),
    "photos:upload": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_DONE),
        ids=_member,
        data=_photo_upload,
        prepare=give_training_records,
    ),
    "photos:compare": Page(
        get=_answers(*COACHED), post=every(405), ids=_member, prepare=give_training_records
    ),
    "photos:mine": Page(get=_answers(*PORTAL), post=every(405), prepare=give_training_records),
    # The outsider has not consented to health data being recorded: the form says so.
    "photos:mine-upload": Page(
        get=_answers(*PORTAL),
        post=_answers(403, 403, 403, 403, 403, 302, 400, L),
        data=_photo_upload,
        prepare=give_training_records,
    ),
    "photos:mine-compare": Page(
        get=_answers(*PORTAL), post=every(405), prepare=give_training_records
    ),
    "photos:file": Page(
        get=_answers(*PHOTO), post=every(405), ids=_photo, prepare=give_training_records
    ),
    "photos:thumbnail": Page(
        get=_answers(*PHOTO), post=every(405), ids=_photo, prepare=give_training_records
    ),
    "photos:delete": Page(
        get=every(405),
        post=_answers(302, 302, 302, 404, 403, 302, 404, L),
        ids=_photo,
        prepare=give_training_records,
    ),
    # --- Progress: measurements, goals, consent (progress/views/staff.py)
    # The member's progress, to coaches who see the member (the member consented to health
    # data); the measurement and goal are those the member's trainer recorded and set. An
    # empty form is shown again.
    "progress:client": Page(
        get=_answers(*COACHED), post=every(405), ids=_member, prepare=give_progress_records
    ),
    "progress:measurement-add": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_member,
        prepare=give_progress_records,
    ),
    "progress:measurement-edit": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_measurement,
        prepare=give_progress_records,
    ),
    "progress:measurement-delete": Page(
        get=every(405),
        post=_answers(*COACHED_DONE),
        ids=_measurement,
        prepare=give_progress_records,
    ),
    "progress:goal-add": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_member,
        prepare=give_progress_records,
    ),
    "progress:goal-edit": Page(
        get=_answers(*COACHED),
        post=_answers(*COACHED_FORM),
        ids=_goal,
        prepare=give_progress_records,
    ),
    "progress:goal-abandon": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_goal, prepare=give_progress_records
    ),
    # Recording a consent given in person: the box not ticked, the form is shown again.
    "progress:consent": Page(
        get=every(405), post=_answers(*COACHED_FORM), ids=_member, prepare=give_progress_records
    ),
    "progress:consent-withdraw": Page(
        get=every(405), post=_answers(*COACHED_DONE), ids=_member, prepare=give_progress_records
    ),
    # The unit system: owners and managers.
    "progress:settings": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    # --- Progress: the portal (progress/views/portal.py)
    # Clients only, each their own: the member consented, the outsider did not (their forms
    # say so). The measurement and goal asked about are those the member recorded and set;
    # the outsider gets 404 for them.
    "portal-progress:index": Page(
        get=_answers(*PORTAL), post=every(405), prepare=give_progress_records
    ),
    "portal-progress:consent": Page(
        get=_answers(*PORTAL),
        post=_answers(403, 403, 403, 403, 403, 400, 400, L),
        prepare=give_progress_records,
    ),
    "portal-progress:measurement-add": Page(
        get=_answers(*PORTAL),
        post=_answers(403, 403, 403, 403, 403, 400, 400, L),
        prepare=give_progress_records,
    ),
    "portal-progress:measurement-edit": Page(
        get=_answers(*PORTAL_OWN),
        post=_answers(*PORTAL_OWN_FORM),
        ids=_own_measurement,
        prepare=give_progress_records,
    ),
    "portal-progress:measurement-delete": Page(
        get=every(405),
        post=_answers(*PORTAL_OWN_DONE),
        ids=_own_measurement,
        prepare=give_progress_records,
    ),
    "portal-progress:goal-add": Page(
        get=_answers(*PORTAL),
        post=_answers(403, 403, 403, 403, 403, 400, 400, L),
        prepare=give_progress_records,
    ),
    "portal-progress:goal-edit": Page(
        get=_answers(*PORTAL_OWN),
        post=_answers(*PORTAL_OWN_FORM),
        ids=_own_goal,
        prepare=give_progress_records,
    ),
    "portal-progress:goal-abandon": Page(
        get=every(405),
        post=_answers(*PORTAL_OWN_DONE),
        ids=_own_goal,
        prepare=give_progress_records,
    ),
    # --- Privacy (privacy/views.py): owners and managers; erasure the owner only. A POST
    # without data shows the form again; the export and the request asked about are the
    # member's.
    "privacy:requests": Page(get=_answers(*MANAGEMENT), post=_answers(*SETUP_FORM)),
    "privacy:request-close": Page(
        get=every(405), post=_answers(*SETUP_DONE), ids=_data_request, prepare=give_data_request
    ),
    "privacy:client": Page(get=_answers(*MANAGEMENT), post=every(405), ids=_member),
    "privacy:export": Page(get=every(405), post=_answers(*SETUP_DONE), ids=_member),
    "privacy:consent": Page(get=every(405), post=_answers(*SETUP_FORM), ids=_member),
    "privacy:export-download": Page(
        get=_answers(*MANAGEMENT), post=every(405), ids=_member_export, prepare=give_export
    ),
    "privacy:erase": Page(
        get=_answers(200, 403, 403, 403, 403, 403, 403, L),
        post=_answers(400, 403, 403, 403, 403, 403, 403, L),
        ids=_member,
    ),
    # The portal: each client their own data (the outsider has a record of their own, and
    # gets 404 for the member's export).
    "portal-privacy:index": Page(get=_answers(*PORTAL), post=every(405)),
    "portal-privacy:export": Page(
        get=every(405), post=_answers(403, 403, 403, 403, 403, 302, 302, L)
    ),
    "portal-privacy:export-download": Page(
        get=_answers(*PORTAL_OWN), post=every(405), ids=_export, prepare=give_export
    ),
    "portal-privacy:request": Page(
        get=every(405), post=_answers(403, 403, 403, 403, 403, 400, 400, L)
    ),
    # --- Operations
    "health-live": Page(get=every(200), post=every(405)),
    "health-ready": Page(get=every(200), post=every(405)),
    # Prometheus metrics: open to loopback (where the test client comes from) and to a
    # token, whoever is signed in; tests/ops/test_metrics.py checks other addresses.
    "metrics": Page(get=every(200), post=every(405)),
}

# Pages for clients and visitors: the portal, sign-in and password pages, health checks.
NOT_STAFF_PAGES = {
    "root",
    "home",
    "home-client",
    "accounts:login",
    "accounts:login-code",
    "accounts:logout",
    "accounts:password-change",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "accounts:sessions",
    "accounts:session-end",
    "accounts:sessions-end-others",
    "accounts:confirm-password",
    "clients:photo",
    "clients:portal-profile",
    "feeds:feed",
    "feeds:portal",
    "feeds:portal-rotate",
    "portal-schedule:timetable",
    "portal-schedule:book",
    "portal-schedule:bookings",
    "portal-schedule:cancel",
    "portal-schedule:trainer",
    "portal-schedule:trainer-book",
    "billing-stripe:webhook",
    "billing-stripe:checkout-done",
    "billing-stripe:checkout-cancelled",
    "billing-portal:index",
    "billing-portal:invoices",
    "billing-portal:invoice",
    "billing-portal:invoice-pdf",
    "billing-portal:pay",
    "billing-portal:credit-note-pdf",
    "billing-portal:cancel",
    "billing-portal:card",
    "billing-portal:shop",
    "billing-portal:buy",
    "exercises:list",
    "exercises:detail",
    "exercises:image",
    "workouts:extra-set",
    "portal-training:today",
    "portal-training:programs",
    "portal-training:history",
    "portal-training:records",
    "portal-training:log",
    "portal-training:delete",
    "photos:mine",
    "photos:mine-upload",
    "photos:mine-compare",
    "photos:file",
    "photos:thumbnail",
    "photos:delete",
    "portal-progress:index",
    "portal-progress:consent",
    "portal-progress:measurement-add",
    "portal-progress:measurement-edit",
    "portal-progress:measurement-delete",
    "portal-progress:goal-add",
    "portal-progress:goal-edit",
    "portal-progress:goal-abandon",
    "portal-privacy:index",
    "portal-privacy:export",
    "portal-privacy:export-download",
    "portal-privacy:request",
    "health-live",
    "health-ready",
    "metrics",
}


# --- Walking the URL patterns --------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(SKIP_PREFIXES):
                continue
            child = pattern.namespace or ""
            ns = ":".join(part for part in (namespace, child) if part)
            yield from _walk(pattern.url_patterns, route, ns)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def url_arguments() -> dict[str, tuple[str, ...]]:
    """Each page's name and the names of the arguments in its URL."""
    return {
        name: tuple(pattern.pattern.regex.groupindex)
        for name, pattern in _walk(get_resolver().url_patterns)
    }


def test_every_page_has_an_entry_in_the_matrix():
    names = set(url_arguments())
    assert names - PAGES.keys() == set(), "add these pages to PAGES"
    assert PAGES.keys() - names == set(), "these pages no longer exist"


# --- Asking ------------------------------------------------------------------------------------


class WrongAnswer(AssertionError):
    """The status differs from the entry (known bugs expect this, and only this, to fail)."""


@pytest.fixture(scope="module")
def browser() -> Browser:
    """One test browser for the whole matrix: a new one loads every middleware again."""
    return Browser()


def _sign_in(browser: Browser, world: World, role: str) -> None:
    browser.cookies.clear()
    if role != "anonymous":
        browser.force_login(world.users[role])


def _body(response) -> str:
    # A file or CSV is read to its end, where the test client closes it (closing it here
    # would end the database connection that the test's transaction is on).
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def _check_status(response, expected, what: str) -> None:
    """`expected` is a status; "login" is a redirect to sign-in, which a 302 is not."""
    to_sign_in = response.status_code == 302 and response["Location"].startswith(SIGN_IN)
    ok = (
        to_sign_in if expected == LOGIN else (response.status_code, to_sign_in) == (expected, False)
    )
    if not ok:
        raise WrongAnswer(
            f"{what}: expected {expected}, got {response.status_code} "
            f"{response.get('Location', '')}"
        )


def _snapshot() -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(
            Client.objects.order_by("pk").values_list(
                "pk", "status", "lead_stage", "archived_at", "merged_into", "user", "updated_at"
            )
        ),
        list(TimelineEntry.objects.order_by("pk").values_list("pk", "pinned")),
        list(FollowUpTask.objects.order_by("pk").values_list("pk", "done_at")),
        list(Assignment.objects.order_by("pk").values_list("pk", "end_date")),
        list(Certification.objects.order_by("pk").values_list("pk")),
        list(Trainer.objects.order_by("pk").values_list("pk", "updated_at")),
        list(ApiKey.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(ClientImport.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(User.objects.order_by("pk").values_list("pk", "is_active", "password", "role")),
        list(
            Session.objects.order_by("pk").values_list(
                "pk", "status", "starts_at", "ends_at", "trainer", "room", "capacity", "sequence"
            )
        ),
        list(Booking.objects.order_by("pk").values_list("pk", "status", "client", "session")),
        list(Location.objects.order_by("pk").values_list("pk", "name", "is_active")),
        list(Room.objects.order_by("pk").values_list("pk", "name", "capacity", "is_active")),
        list(ClassType.objects.order_by("pk").values_list("pk", "name", "capacity", "is_active")),
        list(WorkingHours.objects.order_by("pk").values_list("pk", "trainer", "starts", "ends")),
        list(TimeOff.objects.order_by("pk").values_list("pk", "trainer", "starts_at")),
        list(CalendarFeed.objects.order_by("pk").values_list("pk", "token")),
        list(SchedulingSettings.objects.values_list("pk", "updated_at")),
        training_snapshot(),
    )


REFUSED = {403, 404, 405, LOGIN}


def _cases():
    for name, page in PAGES.items():
        for role in ROLES:
            marks = [
                pytest.mark.xfail(strict=True, raises=WrongAnswer, reason=f"{method}: {why}")
                for (method, who), why in page.known_bugs.items()
                if who == role
            ]
            yield pytest.param(name, role, marks=marks, id=f"{name}-{role}")


def _ask(browser: Browser, world: World, page: Page, method: str, url: str):
    """The answer to a GET or POST of `page`, and its body as text."""
    if method == "GET":
        response = browser.get(url, page.query(world))
    else:
        # As a browser sends it: never empty (the CSRF token, which tests do not check).
        response = browser.post(url, {"csrfmiddlewaretoken": "-", **page.data(world)})
    return response, _body(response)


def _prepared(page: Page, world: World, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    if page.prepare:
        page.prepare(world)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role"), list(_cases()))
def test_each_role_gets_what_the_matrix_says(name, role, world, browser, settings, tmp_path):
    page = PAGES[name]
    _prepared(page, world, settings, tmp_path)
    url = reverse(name, kwargs=page.ids(world))
    known_bugs = []

    _sign_in(browser, world, role)
    for method, expected in (("GET", page.get[role]), ("POST", page.post[role])):
        before = _snapshot() if expected in REFUSED else None
        response, body = _ask(browser, world, page, method, url)
        for secret in UNSEEN[role]:
            assert secret not in body, f"{method} {url} shows {secret!r} to {role}"
        if before is not None:
            assert _snapshot() == before, f"a refused {method} {url} changed something"
        try:
            _check_status(response, expected, f"{method} {url} as {role}")
        except WrongAnswer as exc:
            if (method, role) not in page.known_bugs:
                raise AssertionError(str(exc)) from None
            known_bugs.append(str(exc))

    if known_bugs:
        raise WrongAnswer("; ".join(known_bugs))


def test_a_client_opens_no_staff_page():
    for name, page in PAGES.items():
        if name in NOT_STAFF_PAGES:
            continue
        for role in ("client", "outsider"):
            answers = {page.get[role], page.post[role]}
            assert answers <= {403, 404, 405}, f"{name} lets a {role} in: {answers}"


CLIENT_PAGES = [name for name, args in url_arguments().items() if "client_id" in args]


def _stranger_copy(part: Callable[..., dict]) -> Callable[[World], dict]:
    return lambda world: part(world, "stranger_copy")


# Pages of one record of a client, asked by its own id: the stranger's record of each.
STRANGER_RECORDS: dict[str, Callable[[World], dict]] = {
    **{
        f"programs:{name}": _stranger_copy(_copy)
        for name in (
            "builder",
            "details",
            "copy",
            "save-as-template",
            "archive",
            "status",
            "week-add",
        )
    },
    **{
        f"programs:{name}": _stranger_copy(_week)
        for name in ("week-copy", "week-remove", "day-add")
    },
    **{
        f"programs:{name}": _stranger_copy(_day)
        for name in ("day-update", "day-remove", "picker", "exercise-add", "reorder")
    },
    **{
        f"programs:{name}": _stranger_copy(_entry)
        for name in ("exercise-update", "exercise-move", "exercise-remove", "set-add")
    },
    **{f"programs:{name}": _stranger_copy(_set) for name in ("set-update", "set-remove")},
    **{
        f"workouts:{name}": lambda world: {"log_id": world.training.stranger_log.pk}
        for name in ("detail", "edit", "delete")
    },
    **{
        f"photos:{name}": lambda world: {"photo_id": world.training.stranger_photo.pk}
        for name in ("file", "thumbnail", "delete")
    },
    **{
        f"progress:{name}": lambda world: _measurement(world, "stranger_measurement")
        for name in ("measurement-edit", "measurement-delete")
    },
    **{
        f"progress:{name}": lambda world: _goal(world, "stranger_goal")
        for name in ("goal-edit", "goal-abandon")
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", CLIENT_PAGES + list(STRANGER_RECORDS))
def test_a_trainer_gets_nothing_of_a_client_not_assigned_to_them(
    name, world, browser, settings, tmp_path
):
    """The trainer asks about the stranger as another trainer asks about the member."""
    page = PAGES[name]
    _prepared(page, world, settings, tmp_path)
    if name in STRANGER_RECORDS:
        ids = STRANGER_RECORDS[name](world)
    else:
        # Only the client's id changes: the stranger's own note or assignment would be theirs.
        ids = {**page.ids(world), "client_id": world.stranger.pk}
    url = reverse(name, kwargs=ids)

    _sign_in(browser, world, "trainer")
    for method, expected in (
        ("GET", page.get["other_trainer"]),
        ("POST", page.post["other_trainer"]),
    ):
        assert expected in {403, 404, 405}
        before = _snapshot()
        response, body = _ask(browser, world, page, method, url)
        for secret in STRANGER:
            assert secret not in body, f"{method} {url} shows {secret!r} to the trainer"
        assert _snapshot() == before
        _check_status(response, expected, f"{method} {url}")


# Portal pages of one record, asked by the member about what their trainer recorded or set.
TRAINERS_RECORDS: dict[str, Callable[[World], dict]] = {
    "portal-progress:measurement-edit": _measurement,
    "portal-progress:measurement-delete": _measurement,
    "portal-progress:goal-edit": _goal,
    "portal-progress:goal-abandon": _goal,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", TRAINERS_RECORDS)
def test_a_client_changes_in_the_portal_only_what_they_recorded_themselves(
    name, world, browser, settings, tmp_path
):
    page = PAGES[name]
    _prepared(page, world, settings, tmp_path)
    url = reverse(name, kwargs=TRAINERS_RECORDS[name](world))

    _sign_in(browser, world, "client")
    for method, answers in (("GET", page.get), ("POST", page.post)):
        expected = 405 if answers["client"] == 405 else 404
        before = _snapshot()
        response, _text = _ask(browser, world, page, method, url)
        assert _snapshot() == before
        _check_status(response, expected, f"{method} {url}")


HEALTH_PAGES = ["clients:detail", "clients:edit", "clients:merge"]
SEES_HEALTH = {"owner": True, "manager": True, "trainer": True, "front_desk": False}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "role"),
    [(name, role) for name in HEALTH_PAGES for role in SEES_HEALTH if PAGES[name].get[role] == 200],
)
def test_health_notes_and_injuries_are_shown_to_management_and_the_clients_trainer(
    name, role, world, browser
):
    page = PAGES[name]
    _sign_in(browser, world, role)

    response, body = _ask(browser, world, page, "GET", reverse(name, kwargs=page.ids(world)))

    assert response.status_code == 200
    assert MEMBER_NAME in body
    for marker in (MEMBER_HEALTH, MEMBER_INJURY):
        assert (marker in body) is SEES_HEALTH[role], (name, role, marker)


# (page, method): why the owner's answer to a guessed id is not yet a 404.
GUESSED_ID_BUGS: dict[tuple[str, str], str] = {}


def _guessed_cases():
    for name, args in url_arguments().items():
        if not any(arg.endswith("_id") or arg == "pk" for arg in args):
            continue
        for method in ("GET", "POST"):
            bug = GUESSED_ID_BUGS.get((name, method))
            marks = [pytest.mark.xfail(strict=True, raises=WrongAnswer, reason=bug)] if bug else []
            yield pytest.param(name, method, marks=marks, id=f"{name}-{method}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), list(_guessed_cases()))
def test_a_guessed_id_is_a_404_even_for_the_owner(name, method, world, browser):
    """The owner sees every record, so any other answer than 404 is about the id.

    Pages for clients only (the owner is refused whatever the id) are asked by the
    member instead: a client guessing an id gets 404 too.
    """
    page = PAGES[name]
    answers = page.get if method == "GET" else page.post
    role = "client" if answers["owner"] == 403 else "owner"
    allowed = answers[role] != 405
    url = reverse(name, kwargs=dict.fromkeys(url_arguments()[name], GUESSED_ID))
    _sign_in(browser, world, role)
    before = _snapshot()

    response, _text = _ask(browser, world, page, method, url)

    assert _snapshot() == before
    _check_status(response, 404 if allowed else 405, f"{method} {url}")
