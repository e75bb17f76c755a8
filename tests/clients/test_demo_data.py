"""`fitnesscrm loaddemo` loads a believable gym once: trainers, clients, leads and their history."""

import io
from datetime import timedelta

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.validators import validate_email
from django.db.models import Count, Max, Min
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.clients import selectors
from fitnesscrm.clients.demo import DEMO_TRAINER_CLIENTS, MARKER_EMAIL
from fitnesscrm.clients.models import (
    Assignment,
    Client,
    EntryKind,
    FollowUpTask,
    LeadStage,
    Status,
    Tag,
    TimelineEntry,
)
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers.models import Certification, Trainer

TRAINER_EMAIL = "trainer@demo.fitnesscrm.test"
MANAGER_EMAIL = "manager@demo.fitnesscrm.test"


def loaddemo() -> str:
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Trainer,
            Certification,
            Client,
            Tag,
            Assignment,
            TimelineEntry,
            FollowUpTask,
        )
    }


@pytest.fixture
def demo(db, loaded_demo):
    """The demo, loaded once for this module (each test's own changes are rolled back)."""
    return loaded_demo


def test_loaddemo_twice_loads_the_demo_gym_once(demo):
    before = counts()

    second = loaddemo()

    assert counts() == before
    assert "Demo gym: already there." in second
    assert "Demo gym: 5 trainers" in demo
    assert 280 <= before["Client"] <= 320
    assert before["TimelineEntry"] > 5 * before["Client"]


def test_the_demo_trainer_has_about_25_clients_and_sees_only_those(demo):
    tara = User.objects.get(email=TRAINER_EMAIL)

    visible = selectors.visible_clients(tara)

    assert visible.count() == DEMO_TRAINER_CLIENTS
    mine = Assignment.objects.filter(trainer__user=tara, end_date__isnull=True)
    assert set(visible.values_list("pk", flat=True)) == set(mine.values_list("client", flat=True))


def test_the_demo_client_account_is_a_client_of_the_demo_trainer(demo):
    chloe = User.objects.get(email=MARKER_EMAIL)

    record = selectors.client_of_user(chloe)

    assert record is not None
    assert list(selectors.visible_clients(chloe)) == [record]
    primary = record.assignments.get(end_date__isnull=True, is_primary=True)
    assert primary.trainer.user.email == TRAINER_EMAIL
    assert record.timeline.filter(pinned=True).exists()


def test_the_demo_trainer_has_one_certification_expiring_soon_and_one_expired(demo):
    tara = Trainer.objects.get(user__email=TRAINER_EMAIL)

    certifications = list(tara.certifications.all())

    assert sum(c.is_expiring for c in certifications) == 1
    assert sum(c.is_expired for c in certifications) == 1
    assert tara.specializations.count() >= 2
    assert tara.bio


def test_the_demo_gym_has_a_realistic_mix_of_statuses_and_leads(demo):
    by_status = dict(Client.objects.values_list("status").annotate(n=Count("id")))
    pipeline = Client.objects.filter(status__in=[Status.LEAD, Status.TRIAL])

    assert by_status[Status.ACTIVE] > sum(by_status.values()) / 2
    assert all(by_status[status] > 0 for status in Status.values)
    assert 50 <= pipeline.count() <= 70
    assert set(pipeline.values_list("lead_stage", flat=True)) == {
        LeadStage.NEW,
        LeadStage.CONTACTED,
        LeadStage.TRIAL_BOOKED,
        LeadStage.LOST,
    }
    lost = Client.objects.filter(lead_stage=LeadStage.LOST)
    assert lost.exists() and not lost.filter(lost_reason="").exists()
    active = Client.objects.filter(status=Status.ACTIVE)
    with_trainer = active.filter(assignments__end_date__isnull=True, assignments__is_primary=True)
    assert with_trainer.count() > 0.75 * active.count()
    assert Tag.objects.filter(name__in=["VIP", "Student", "Corporate", "Morning crew"]).count() == 4
    assert Client.objects.filter(archived_at__isnull=False).exists()


def test_demo_contact_details_are_valid_and_unique(demo):
    clients = list(Client.objects.all())

    emails = [c.email for c in clients if c.email]
    assert len(emails) == len(set(emails))
    for client in clients:
        if client.email:
            validate_email(client.email)
        for phone in (client.phone, client.emergency_contact_phone):
            if phone:
                number = phonenumbers.parse(phone)
                assert phonenumbers.is_valid_number(number), phone
                assert (
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
                )
        # What Client.save() would have stored: bulk inserts must not skip it.
        assert client.search_text == search_key(
            client.first_name,
            client.last_name,
            client.email,
            client.phone,
            client.phone.lstrip("+"),
        )
    assert any(not c.last_name.isascii() or not c.first_name.isascii() for c in clients)


def test_names_with_accents_are_found_without_them(demo):
    manager = User.objects.get(email=MANAGER_EMAIL)
    accented = Client.objects.filter(archived_at__isnull=True).exclude(search_text="")
    client = next(c for c in accented if not c.last_name.isascii())

    found = selectors.client_list(user=manager, q=search_key(client.last_name))

    assert client in found


def test_the_demo_history_spreads_over_the_last_year_and_never_into_the_future(demo):
    now = timezone.now()
    span = TimelineEntry.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    created = Client.objects.aggregate(first=Min("created_at"), last=Max("created_at"))

    assert span["first"] < now - timedelta(days=300)
    assert span["last"] <= now
    assert created["first"] >= now - timedelta(days=366)
    assert created["last"] <= now
    assert Client.objects.filter(created_at__gte=now - timedelta(days=14)).exists()
    kinds = set(TimelineEntry.objects.values_list("kind", flat=True))
    assert {EntryKind.STATUS, EntryKind.STAGE, EntryKind.NOTE, EntryKind.CALL} <= kinds
    # Each status change is recorded with where it came from and where it went.
    change = TimelineEntry.objects.filter(kind=EntryKind.STATUS).first()
    assert set(change.data) == {"from", "to"}


def test_an_active_client_history_tells_the_story_of_the_record(demo):
    client = Client.objects.get(email=MARKER_EMAIL)

    history = list(client.timeline.order_by("created_at", "id"))

    assert history[0].kind == EntryKind.SYSTEM
    statuses = [(e.data["from"], e.data["to"]) for e in history if e.kind == EntryKind.STATUS]
    assert statuses == [(Status.LEAD, Status.TRIAL), (Status.TRIAL, Status.ACTIVE)]
    assert client.status_changed_at == max(
        e.created_at for e in history if e.kind == EntryKind.STATUS
    )


def test_demo_staff_have_follow_up_tasks_some_of_them_overdue(demo):
    today = timezone.localdate()
    for email in ("desk@demo.fitnesscrm.test", TRAINER_EMAIL, MANAGER_EMAIL):
        user = User.objects.get(email=email)
        open_tasks = selectors.tasks_for(user=user)
        assert open_tasks.exists(), email
    desk_tasks = FollowUpTask.objects.filter(
        assigned_to__email="desk@demo.fitnesscrm.test", done_at__isnull=True
    )
    overdue = desk_tasks.filter(due_date__lt=today).count()
    assert 0 < overdue < desk_tasks.count()


def test_the_inactive_demo_trainer_keeps_history_but_no_clients(demo):
    ben = Trainer.objects.get(is_active=False)

    assert ben.assignments.exists()
    assert not ben.assignments.filter(end_date__isnull=True).exists()


def test_the_demo_pages_open_for_the_demo_staff(demo, client):
    manager = User.objects.get(email=MANAGER_EMAIL)
    client.force_login(manager)
    website_lead = (
        Client.objects.filter(timeline__author__isnull=True, archived_at__isnull=True)
        .distinct()
        .first()
    )

    assert client.get("/clients/").status_code == 200
    assert client.get("/clients/", {"q": "lukasz"}).status_code == 200
    assert client.get(f"/clients/{website_lead.pk}/").status_code == 200
    assert client.get(f"/clients/{Client.objects.get(email=MARKER_EMAIL).pk}/").status_code == 200
