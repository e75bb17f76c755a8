"""Trainer services and selectors: who manages profiles and rates, certifications, visibility."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from fitnesscrm.clients import services as client_services
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers import selectors, services
from fitnesscrm.trainers.models import EXPIRY_WARNING_DAYS, Certification, Trainer
from tests.factories import (
    AssignmentFactory,
    CertificationFactory,
    TrainerFactory,
    UserFactory,
    build_gym,
)


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def error_fields(exc_info) -> list[str]:
    return [error["field"] for error in exc_info.value.errors]


# --- Profiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_create_trainer_profiles(role, request, settings):
    settings.CURRENCY = "EUR"
    actor = request.getfixturevalue(role)
    coach = UserFactory(role=Role.TRAINER, full_name="Renée Coach")
    profile = services.trainer_create(
        actor=actor,
        user=coach,
        bio="  Mobility  ",
        specializations=["Yoga", "yoga", " Rehab "],
        hourly_rate_minor=5000,
        colour="#123abc",
    )
    assert (profile.bio, profile.hourly_rate_minor, profile.currency) == ("Mobility", 5000, "EUR")
    assert sorted(profile.specializations.values_list("name", flat=True)) == ["Rehab", "Yoga"]
    assert profile.search_text == "renee coach " + coach.email
    assert AuditEntry.objects.filter(action="trainer.create", actor=actor).exists()


@pytest.mark.parametrize("role", ["trainer", "front_desk", "client_user"])
def test_nobody_else_creates_trainer_profiles(role, request):
    with pytest.raises(Forbidden):
        services.trainer_create(
            actor=request.getfixturevalue(role), user=UserFactory(role=Role.TRAINER)
        )
    assert not Trainer.objects.exists()


def test_a_profile_needs_an_active_staff_account_and_only_one(owner, client_user, trainer):
    with pytest.raises(ApplicationError) as exc_info:
        services.trainer_create(actor=owner, user=client_user)
    assert error_fields(exc_info) == ["user"]
    services.trainer_create(actor=owner, user=trainer)
    with pytest.raises(Conflict):
        services.trainer_create(actor=owner, user=trainer)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"hourly_rate_minor": -1}, "hourly_rate_minor"),
        ({"hourly_rate_minor": 100_000_01}, "hourly_rate_minor"),
        ({"colour": "red"}, "colour"),
        ({"bio": "b" * 4001}, "bio"),
        ({"specializations": ["s" * 61]}, "specializations"),
    ],
)
def test_profile_values_out_of_bounds_are_refused_at_the_field(owner, trainer, values, field):
    with pytest.raises(ApplicationError) as exc_info:
        services.trainer_create(actor=owner, user=trainer, **values)
    assert error_fields(exc_info) == [field]
    assert not Trainer.objects.exists()


def test_a_manager_changes_a_rate_and_it_is_audited(manager, gym):
    services.trainer_update(actor=manager, trainer=gym.coach, hourly_rate_minor=6000)
    gym.coach.refresh_from_db()
    assert gym.coach.hourly_rate_minor == 6000
    entry = AuditEntry.objects.get(action="trainer.update")
    assert entry.changes == {"hourly_rate_minor": [4500, 6000]}


def test_a_trainer_edits_their_own_bio_and_specializations(trainer, gym):
    services.trainer_update(
        actor=trainer, trainer=gym.coach, bio="Rehab specialist", specializations=["Rehab"]
    )
    gym.coach.refresh_from_db()
    assert gym.coach.bio == "Rehab specialist"
    assert list(gym.coach.specializations.values_list("name", flat=True)) == ["Rehab"]
    assert AuditEntry.objects.get(action="trainer.update").changes["bio"] == "changed"


def test_a_trainer_cannot_change_their_own_rate_or_active_flag(trainer, gym):
    with pytest.raises(Forbidden):
        services.trainer_update(actor=trainer, trainer=gym.coach, hourly_rate_minor=99999)
    with pytest.raises(Forbidden):
        services.trainer_update(actor=trainer, trainer=gym.coach, is_active=False)
    gym.coach.refresh_from_db()
    assert (gym.coach.hourly_rate_minor, gym.coach.is_active) == (4500, True)


@pytest.mark.parametrize("role", ["trainer", "front_desk", "client_user"])
def test_nobody_but_managers_edits_someone_elses_profile(role, request, gym):
    with pytest.raises(NotFound):
        services.trainer_update(
            actor=request.getfixturevalue(role), trainer=gym.other_coach, bio="Hacked"
        )
    gym.other_coach.refresh_from_db()
    assert gym.other_coach.bio != "Hacked"


def test_the_search_text_follows_the_users_name(owner, gym):
    user = gym.coach.user
    user.full_name = "Tomás Newname"
    user.save()
    services.trainer_update(actor=owner, trainer=gym.coach, colour="#000000")
    gym.coach.refresh_from_db()
    assert "tomas newname" in gym.coach.search_text


# --- Certifications ------------------------------------------------------------------------------


def test_a_trainer_adds_a_certification_to_their_own_profile(trainer, gym):
    cert = services.certification_add(
        actor=trainer, trainer=gym.coach, name="First aid", expires_on=timezone.localdate()
    )
    assert cert.trainer == gym.coach


def test_a_trainer_cannot_add_or_remove_a_colleagues_certifications(trainer, gym):
    with pytest.raises(NotFound):
        services.certification_add(actor=trainer, trainer=gym.other_coach, name="Fake")
    theirs = CertificationFactory(trainer=gym.other_coach)
    with pytest.raises(NotFound):
        services.certification_remove(actor=trainer, certification_id=theirs.pk)
    assert Certification.objects.filter(pk=theirs.pk).exists()


def test_a_certification_needs_a_name_and_an_expiry_after_its_issue(owner, gym):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc_info:
        services.certification_add(actor=owner, trainer=gym.coach, name="  ")
    assert error_fields(exc_info) == ["name"]
    with pytest.raises(ApplicationError) as exc_info:
        services.certification_add(
            actor=owner,
            trainer=gym.coach,
            name="Level 3",
            issued_on=today,
            expires_on=today - timedelta(days=1),
        )
    assert error_fields(exc_info) == ["expires_on"]
    with pytest.raises(ApplicationError) as exc_info:
        services.certification_add(actor=owner, trainer=gym.coach, name="n" * 121)
    assert error_fields(exc_info) == ["name"]


def test_a_manager_removes_a_certification_and_it_is_audited(manager, gym):
    cert = CertificationFactory(trainer=gym.coach)
    services.certification_remove(actor=manager, certification_id=cert.pk)
    assert not Certification.objects.filter(pk=cert.pk).exists()
    assert AuditEntry.objects.filter(action="certification.remove").exists()


@pytest.mark.parametrize(
    ("days", "expiring", "expired"),
    [
        (None, False, False),
        (-1, False, True),
        (0, True, False),
        (EXPIRY_WARNING_DAYS, True, False),
        (EXPIRY_WARNING_DAYS + 1, False, False),
    ],
)
def test_certifications_are_flagged_expiring_or_expired(days, expiring, expired):
    expires_on = None if days is None else timezone.localdate() + timedelta(days=days)
    cert = Certification(name="c", expires_on=expires_on)
    assert (cert.is_expiring, cert.is_expired) == (expiring, expired)


def test_the_expiring_list_holds_active_trainers_certifications_soonest_first(
    owner, trainer, client_user, gym
):
    today = timezone.localdate()
    later = CertificationFactory(trainer=gym.coach, expires_on=today + timedelta(days=20))
    expired = CertificationFactory(trainer=gym.coach, expires_on=today - timedelta(days=3))
    CertificationFactory(trainer=gym.coach, expires_on=today + timedelta(days=365))
    CertificationFactory(trainer=gym.coach, expires_on=None)
    CertificationFactory(
        trainer=TrainerFactory(is_active=False), expires_on=today + timedelta(days=1)
    )
    assert list(selectors.expiring_certifications(user=owner)) == [expired, later]
    assert list(selectors.expiring_certifications(user=trainer)) == [expired, later]
    assert list(selectors.expiring_certifications(user=client_user)) == []


# --- Visibility ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager", "trainer", "front_desk"])
def test_staff_see_every_trainer(role, request, gym):
    user = request.getfixturevalue(role)
    assert set(selectors.visible_trainers(user)) == {gym.coach, gym.other_coach}


def test_a_client_sees_only_their_current_trainers(owner, client_user, gym):
    assert list(selectors.visible_trainers(client_user)) == [gym.coach]
    with pytest.raises(NotFound):
        selectors.trainer_get(user=client_user, trainer_id=gym.other_coach.pk)
    client_services.assignment_end(actor=owner, assignment=gym.assignment)
    assert list(selectors.visible_trainers(client_user)) == []


def test_outsiders_and_anonymous_callers_see_no_trainer(outsider, gym):
    for user in (outsider, AnonymousUser()):
        assert not selectors.visible_trainers(user).exists()
        with pytest.raises(NotFound):
            selectors.trainer_get(user=user, trainer_id=gym.coach.pk)


def test_the_list_counts_active_clients_who_are_not_archived(owner, gym):
    AssignmentFactory(trainer=gym.coach, is_primary=True)
    AssignmentFactory(trainer=gym.coach, end_date=timezone.localdate())
    client_services.client_archive(actor=owner, client=gym.member)
    counts = {t.pk: t.active_clients for t in selectors.trainer_list(user=owner, active=None)}
    assert counts == {gym.coach.pk: 1, gym.other_coach.pk: 1}


def test_the_list_filters_by_active_search_and_specialization(owner, gym):
    retired = TrainerFactory(is_active=False, user__full_name="Ígor Retired")
    gym.other_coach.specializations.add(*services._specializations(["Boxing"]))
    assert retired not in selectors.trainer_list(user=owner)
    assert list(selectors.trainer_list(user=owner, active=None, q="igor")) == [retired]
    boxing = gym.other_coach.specializations.get()
    assert list(selectors.trainer_list(user=owner, specialization_id=boxing.pk)) == [
        gym.other_coach
    ]


# --- Staff accounts -------------------------------------------------------------------------------


def test_a_manager_creates_staff_but_not_owners(manager, owner):
    desk = services.staff_create(
        actor=manager, email="new.desk@example.test", full_name="New Desk", role=Role.FRONT_DESK
    )
    assert desk.role == Role.FRONT_DESK and not desk.has_usable_password()
    with pytest.raises(Forbidden):
        services.staff_create(
            actor=manager, email="boss@example.test", full_name="Boss", role=Role.OWNER
        )
    assert (
        services.staff_create(
            actor=owner, email="boss@example.test", full_name="Boss", role=Role.OWNER
        ).role
        == Role.OWNER
    )


def test_staff_cannot_be_created_as_clients_or_by_trainers(manager, trainer):
    with pytest.raises(ApplicationError) as exc_info:
        services.staff_create(
            actor=manager, email="c@example.test", full_name="C", role=Role.CLIENT
        )
    assert error_fields(exc_info) == ["role"]
    with pytest.raises(Forbidden):
        services.staff_create(
            actor=trainer, email="t@example.test", full_name="T", role=Role.TRAINER
        )
