"""A member with a record in every area, for the export and erasure tests.

`member` ("Cleo Member", the `client_user` fixture's record, coached by `trainer`) has
a tag, a note, a follow-up task, a booking with attendance, a membership with an
invoice, a payment and a refund, a second invoice whose note names her, a workout
program and a logged workout, measurements and goals, a progress photo and a profile
photo (files under the test's MEDIA_ROOT), health and marketing consents, and audit
entries about her record. `stranger` is someone else, who must be left untouched.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from fitnesscrm.billing import services as billing
from fitnesscrm.billing.models import Invoice, PaymentMethod
from fitnesscrm.billing.services import memberships
from fitnesscrm.clients import services as client_services
from fitnesscrm.clients.models import Client, ConsentKind, ConsentMethod
from fitnesscrm.privacy import services as privacy
from fitnesscrm.scheduling.models import Booking
from tests.factories import (
    BookingFactory,
    ClassSessionFactory,
    FollowUpTaskFactory,
    Gym,
    ProductFactory,
    TagFactory,
    build_gym,
    in_days,
)
from tests.training_world import TrainingRecords, give_progress, give_training, picture

NAME = "Cleo Member"
EMAIL = "cleo.member@example.test"
PHONE = "+447911100001"
LOGIN_EMAIL = "client@example.test"
LOGIN_NAME = "Cleo Client"
PERSONAL = (NAME, EMAIL, PHONE, PHONE.lstrip("+"), LOGIN_EMAIL, LOGIN_NAME)


@dataclass
class Member:
    gym: Gym
    member: Client
    stranger: Client
    training: TrainingRecords
    invoice: Invoice
    named_invoice: Invoice
    booking: Booking


@pytest.fixture
def member_world(trainer, client_user, outsider, front_desk, owner, settings, tmp_path) -> Member:
    settings.MEDIA_ROOT = tmp_path
    gym = build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    member = gym.member
    member.tags.add(TagFactory(name="early-bird"))
    client_services.note_add(actor=owner, client=member, body=f"Called {NAME} about knee rehab.")
    FollowUpTaskFactory(client=member, assigned_to=trainer, title="Check in on goals")
    session = ClassSessionFactory(trainer=gym.coach, starts_at=in_days(-1, 7))
    booking = BookingFactory(session=session, client=member)
    Booking.objects.filter(pk=booking.pk).update(checked_in_at=timezone.now() - timedelta(days=1))
    started = memberships.membership_start(
        actor=front_desk, client=member, product=ProductFactory(name="Unlimited")
    )
    payment = billing.payment_record(
        actor=front_desk, invoice=started.invoice, amount_minor=2000, method=PaymentMethod.CASH
    )
    billing.refund_record(actor=owner, payment=payment, amount_minor=500, reason="Towel")
    named = billing.invoice_create(
        actor=front_desk,
        client=member,
        lines=[billing.LineSpec(description=f"PT session for {NAME}", unit_price_minor=3000)],
        issue=True,
    )
    Invoice.objects.filter(pk=named.pk).update(notes=f"Ask {EMAIL} before charging.")
    training = give_training(
        member=member, coach=gym.coach, stranger=gym.stranger, other_coach=gym.other_coach
    )
    give_progress(
        member=member, coach=gym.coach, stranger=gym.stranger, other_coach=gym.other_coach
    )
    member.photo.save("profile.jpg", ContentFile(picture()), save=True)
    privacy.marketing_consent_record(
        actor=client_user,
        client=member,
        kind=ConsentKind.EMAIL_MARKETING,
        granted=True,
        method=ConsentMethod.PORTAL,
    )
    client_services.client_update(actor=owner, client=member, city="Bristol")
    member.refresh_from_db()
    return Member(
        gym=gym,
        member=member,
        stranger=gym.stranger,
        training=training,
        invoice=started.invoice,
        named_invoice=named,
        booking=booking,
    )
