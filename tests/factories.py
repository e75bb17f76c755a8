"""Factories for test data; tests build what they need, nothing is shared in fixtures files.

One home for every factory: users, clients and leads, tags, trainers with their
specializations and certifications, assignments, timeline entries and follow-up
tasks; plus `build_gym`, the small gym that tests check each role against. Rows
are written directly (not through the services), for speed; the factories keep
the derived fields the services would (a trainer's search text) so lists and
search behave as in the product.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.db import models
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.billing.models import Interval, Product, ProductKind, TaxRate
from fitnesscrm.clients.models import (
    Assignment,
    Client,
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
    EntryKind,
    FollowUpTask,
    LeadStage,
    Source,
    Status,
    Tag,
    TimelineEntry,
)
from fitnesscrm.core.roles import Role
from fitnesscrm.core.text import search_key
from fitnesscrm.progress.models import Goal, GoalMetric, Measurement
from fitnesscrm.scheduling.models import (
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    ClassType,
    Kind,
    Location,
    Room,
    Session,
)
from fitnesscrm.trainers.models import Certification, Specialization, Trainer
from fitnesscrm.training.models import (
    Equipment,
    Exercise,
    MuscleGroup,
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramWeek,
)

PASSWORD = "correct-horse-battery-staple"


# --- Accounts --------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.CLIENT
    is_active = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


# --- Clients ---------------------------------------------------------------------------------


class TagFactory(factory.django.DjangoModelFactory):
    """A tag; asking twice for the same name gives the same tag, as tag names are unique."""

    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class ClientFactory(factory.django.DjangoModelFactory):
    """A client record with the model's defaults (a new lead); `tags=[...]` gives it tags."""

    class Meta:
        model = Client
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"client{n}@example.test")
    phone = ""

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class LeadFactory(ClientFactory):
    """A new lead from the website: not a member yet, at the first stage of the pipeline."""

    source = Source.WEBSITE
    status = Status.LEAD
    lead_stage = LeadStage.NEW


class MemberFactory(ClientFactory):
    """An active member who came through the website."""

    source = Source.WEBSITE
    status = Status.ACTIVE


def created_days_ago(client: Client, days: int) -> Client:
    """Backdate a client's creation (auto_now_add cannot be set at create time)."""
    Client.objects.filter(pk=client.pk).update(created_at=timezone.now() - timedelta(days=days))
    client.refresh_from_db()
    return client


# --- Trainers --------------------------------------------------------------------------------


class SpecializationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Speciality {n}")


class TrainerFactory(factory.django.DjangoModelFactory):
    """A trainer profile; pass `user=` to give an existing account one.

    `specializations=["Yoga", ...]` gives it those specializations (made when missing).
    """

    class Meta:
        model = Trainer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.TRAINER)
    bio = "Strength and conditioning."
    hourly_rate_minor = 4500
    currency = "GBP"
    # trainer_create keeps this up to date; the factory does the same so search works.
    search_text = factory.LazyAttribute(lambda o: search_key(o.user.full_name, o.user.email))

    @factory.post_generation
    def specializations(self, create, extracted, **kwargs):
        if create and extracted:
            self.specializations.set([SpecializationFactory(name=name) for name in extracted])


class CertificationFactory(factory.django.DjangoModelFactory):
    """A certification that expires in a year; `no_expiry=True` for one that never does."""

    class Meta:
        model = Certification

    class Params:
        no_expiry = factory.Trait(expires_on=None)

    trainer = factory.SubFactory(TrainerFactory)
    name = factory.Sequence(lambda n: f"Certificate {n}")
    issuer = "REPs"
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A trainer as a client's primary trainer, for the last 30 days and on."""

    class Meta:
        model = Assignment

    client = factory.SubFactory(ClientFactory)
    trainer = factory.SubFactory(TrainerFactory)
    is_primary = True
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


# --- A client's history ---------------------------------------------------------------------


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    client = factory.SubFactory(ClientFactory)
    kind = EntryKind.NOTE
    body = factory.Faker("sentence")


class FollowUpTaskFactory(factory.django.DjangoModelFactory):
    """A follow-up task due today, given to someone at the front desk."""

    class Meta:
        model = FollowUpTask

    client = factory.SubFactory(ClientFactory)
    title = factory.Sequence(lambda n: f"Call back #{n}")
    due_date = factory.LazyFunction(timezone.localdate)
    assigned_to = factory.SubFactory(UserFactory, role=Role.FRONT_DESK)


def stage_change(client: Client, stage: str, *, days_ago: int = 0, author=None) -> TimelineEntry:
    """Move `client` to `stage` as lead_set_stage would, `days_ago` days back in time."""
    old = client.lead_stage
    client.lead_stage = stage
    if stage == LeadStage.WON:
        client.status = Status.ACTIVE
    client.save()
    entry = TimelineEntryFactory(
        client=client,
        kind=EntryKind.STAGE,
        body="Too expensive" if stage == LeadStage.LOST else "",
        data={"from": old, "to": stage},
        author=author,
    )
    if days_ago:
        moved = timezone.now() - timedelta(days=days_ago)
        TimelineEntry.objects.filter(pk=entry.pk).update(created_at=moved)
    return entry


# --- A small gym to test roles against ----------------------------------------------------------


@dataclass
class Gym:
    """The records every role is tested against.

    `member` is the client record of the `client_user` fixture, coached by the
    `trainer` fixture (profile `coach`); `other_coach` coaches only `stranger`, and
    the `outsider` fixture has a record of their own, `outsider_record`.
    """

    coach: Trainer
    other_coach: Trainer
    member: Client
    stranger: Client
    outsider_record: Client
    assignment: Assignment


def build_gym(*, trainer, client_user, outsider) -> Gym:
    coach = TrainerFactory(user=trainer)
    other_coach = TrainerFactory(user__full_name="Nora Notassigned")
    member = MemberFactory(
        user=client_user,
        first_name="Cleo",
        last_name="Member",
        email="cleo.member@example.test",
        phone="+447911100001",
        health_notes="Asthma, carries an inhaler.",
        injuries="Left knee ligament, 2023.",
    )
    stranger = MemberFactory(first_name="Sam", last_name="Stranger", health_notes="Diabetic.")
    outsider_record = MemberFactory(user=outsider, first_name="Otto", last_name="Outsider")
    assignment = AssignmentFactory(client=member, trainer=coach, notes="Knee rehab first.")
    AssignmentFactory(client=stranger, trainer=other_coach)
    return Gym(coach, other_coach, member, stranger, outsider_record, assignment)


# --- Scheduling -------------------------------------------------------------------------------


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Studio {n}")
    address = "1 High Street"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    capacity = 20


class ClassTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassType

    name = factory.Sequence(lambda n: f"Spin {n}")
    duration_minutes = 45
    capacity = 12
    colour = "#c0392b"


def in_days(days: float, hour: int = 9, minute: int = 0):
    """An aware time `days` from today at hour:minute local time (the business's zone)."""
    day = timezone.localdate() + timedelta(days=int(days))
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class SessionFactory(factory.django.DjangoModelFactory):
    """A scheduled one-to-one session tomorrow at 09:00 for an hour (rows written directly).

    Services check rules on the way in; the factory does not, so a test can build any
    state it needs (including past sessions). `counts` are kept by BookingFactory.
    """

    class Meta:
        model = Session

    kind = Kind.PERSONAL
    title = "Personal training"
    trainer = factory.SubFactory(TrainerFactory)
    starts_at = factory.LazyFunction(lambda: in_days(1, 9))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    capacity = 1
    location = factory.LazyAttribute(lambda o: o.room.location if o.room else None)
    room = None


class ClassSessionFactory(SessionFactory):
    kind = Kind.CLASS
    class_type = factory.SubFactory(ClassTypeFactory)
    title = factory.LazyAttribute(lambda o: o.class_type.name)
    room = factory.SubFactory(RoomFactory)
    capacity = 12


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking row, with the session's seat and waitlist counts kept in step."""

    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    client = factory.SubFactory(MemberFactory)
    status = BookingStatus.BOOKED
    waitlisted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == BookingStatus.WAITLISTED else None
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        booking = super()._create(model_class, *args, **kwargs)
        if booking.status in SEAT_STATUSES:
            Session.objects.filter(pk=booking.session_id).update(
                booked_count=models.F("booked_count") + 1
            )
        elif booking.status == BookingStatus.WAITLISTED:
            Session.objects.filter(pk=booking.session_id).update(
                waitlist_count=models.F("waitlist_count") + 1
            )
        booking.session.refresh_from_db(fields=["booked_count", "waitlist_count"])
        return booking


# --- Billing ----------------------------------------------------------------------------------


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate

    name = "VAT"
    percent = Decimal("20.000")
    inclusive = True


class ProductFactory(factory.django.DjangoModelFactory):
    """A monthly membership at £45.00, VAT included."""

    class Meta:
        model = Product

    kind = ProductKind.MEMBERSHIP
    name = factory.Sequence(lambda n: f"Unlimited {n}")
    price_minor = 4500
    currency = "GBP"
    interval = Interval.MONTH
    tax_rate = factory.SubFactory(TaxRateFactory)


class PackFactory(ProductFactory):
    kind = ProductKind.PACK
    name = factory.Sequence(lambda n: f"10 classes {n}")
    price_minor = 9000
    interval = ""
    credits = 10
    credit_days = 90


# --- Training ----------------------------------------------------------------------------------


class MuscleGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MuscleGroup
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"muscle-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"equipment-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class ExerciseFactory(factory.django.DjangoModelFactory):
    """One of the business's own exercises (no library key), tracked by weight and reps."""

    class Meta:
        model = Exercise
        # The muscles are set on the saved row; nothing else to save afterwards.
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test press {n}")
    instructions = "Press the weight up, lower it under control."

    @factory.post_generation
    def primary_muscles(self, create, extracted, **kwargs):
        if create:
            self.primary_muscles.set(extracted or [MuscleGroupFactory(slug="chest")])


class ProgramFactory(factory.django.DjangoModelFactory):
    """One of the business's programs (no client)."""

    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Strength block {n}")


class ProgramWeekFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramWeek

    program = factory.SubFactory(ProgramFactory)
    number = 1


class ProgramDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramDay

    week = factory.SubFactory(ProgramWeekFactory)
    position = 1
    name = "Day A"


class ProgramExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramExercise

    day = factory.SubFactory(ProgramDayFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    position = 1


class ProgramSetFactory(factory.django.DjangoModelFactory):
    """5 reps at 60 kg."""

    class Meta:
        model = ProgramSet

    program_exercise = factory.SubFactory(ProgramExerciseFactory)
    position = 1
    reps_min = 5
    reps_max = 5
    load = Decimal("60")


# --- Progress ----------------------------------------------------------------------------------


def give_health_consent(client: Client, *, by=None) -> ConsentRecord:
    """The client's consent to health data being recorded, as the portal records it."""
    return ConsentRecord.objects.create(
        client=client,
        kind=ConsentKind.HEALTH_DATA,
        granted=True,
        method=ConsentMethod.PORTAL,
        wording="I agree that my measurements, photos and health notes are recorded.",
        recorded_by=by,
    )


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    client = factory.SubFactory(MemberFactory)
    measured_on = factory.LazyFunction(lambda: timezone.localdate())
    weight_kg = Decimal("85.0")


class GoalFactory(factory.django.DjangoModelFactory):
    """Weight from 90 kg to 80 kg in twelve weeks from today."""

    class Meta:
        model = Goal

    client = factory.SubFactory(MemberFactory)
    title = "Lose 10 kg"
    metric = GoalMetric.WEIGHT
    start_value = Decimal("90")
    target_value = Decimal("80")
    start_date = factory.LazyFunction(lambda: timezone.localdate())
    target_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(weeks=12))
