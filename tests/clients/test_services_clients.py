"""Client service rules: unique emails, phones, limits, consent, health data, archive, bulk."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.consent import consent_withdraw
from fitnesscrm.clients.models import Client, EntryKind, Status, TimelineEntry
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.models import AuditEntry
from tests.factories import ClientFactory, build_gym, give_health_consent


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def error_fields(exc_info) -> list[str]:
    return [error["field"] for error in exc_info.value.errors]


# --- Unique email -----------------------------------------------------------------------


def test_an_email_is_stored_lower_case(owner):
    client = services.client_create(actor=owner, first_name="Ann", email="  Ann@Example.TEST ")
    assert client.email == "ann@example.test"


def test_an_email_taken_in_another_case_is_a_conflict(owner):
    services.client_create(actor=owner, first_name="Ann", email="ann@example.test")
    with pytest.raises(Conflict) as exc_info:
        services.client_create(actor=owner, first_name="Other", email="ANN@example.test")
    assert exc_info.value.code == "email_taken"
    assert error_fields(exc_info) == ["email"]
    assert Client.objects.count() == 1


def test_changing_to_a_taken_email_is_a_conflict_but_keeping_ones_own_is_not(owner):
    ann = services.client_create(actor=owner, first_name="Ann", email="ann@example.test")
    services.client_create(actor=owner, first_name="Bob", email="bob@example.test")
    with pytest.raises(Conflict):
        services.client_update(actor=owner, client=ann, email="Bob@example.test")
    services.client_update(actor=owner, client=ann, email="ANN@example.test", goals="Run")
    ann.refresh_from_db()
    assert (ann.email, ann.goals) == ("ann@example.test", "Run")


def test_many_clients_may_have_no_email(owner):
    for name in ("Walk", "In"):
        services.client_create(actor=owner, first_name=name)
    assert Client.objects.filter(email="").count() == 2


def test_when_two_requests_race_for_an_email_the_database_answers_conflict(owner, monkeypatch):
    """The check passes for both; the second insert meets the unique constraint."""
    real_clean = services._clean_fields

    def clean_then_lose_the_race(values, **kwargs):
        cleaned = real_clean(values, **kwargs)
        # The other request commits its client between our check and our insert.
        Client.objects.create(first_name="Winner", email=cleaned["email"].upper())
        return cleaned

    monkeypatch.setattr(services, "_clean_fields", clean_then_lose_the_race)
    with pytest.raises(Conflict) as exc_info:
        services.client_create(actor=owner, first_name="Loser", email="race@example.test")
    assert exc_info.value.code == "email_taken"
    # The whole service ran in one transaction, so nothing of the losing request is left
    # (here the winner's row shared that transaction and went with it).
    assert not Client.objects.filter(first_name="Loser").exists()


def test_the_database_itself_refuses_the_same_email_in_another_case(db):
    ClientFactory(email="same@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.bulk_create([Client(first_name="X", email="SAME@example.test")])


# --- Phones, emails, limits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07911 123456", "+447911123456"),
        ("+44 (0)7911 123456", "+447911123456"),
        ("020 7946 0000", "+442079460000"),
        ("+1 415-555-2671", "+14155552671"),
        ("0033 1 42 68 53 00", "+33142685300"),
    ],
)
def test_phones_are_stored_in_e164(owner, typed, stored):
    client = services.client_create(
        actor=owner, first_name="Ann", phone=typed, emergency_contact_phone=typed
    )
    assert (client.phone, client.emergency_contact_phone) == (stored, stored)


@pytest.mark.parametrize("typed", ["12", "not a phone", "+44 12", "0000000000000000000"])
def test_an_invalid_phone_is_refused_at_the_field(owner, typed):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(actor=owner, first_name="Ann", phone=typed)
    assert error_fields(exc_info) == ["phone"]
    assert typed.strip() in exc_info.value.errors[0]["message"]
    assert not Client.objects.exists()


def test_an_invalid_email_is_refused_at_the_field(owner):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(actor=owner, first_name="Ann", email="ann@")
    assert error_fields(exc_info) == ["email"]


def test_every_bad_field_is_listed_at_once(owner):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(
            actor=owner, first_name="", phone="12", email="nope", country="GBR", source="tv"
        )
    assert sorted(error_fields(exc_info)) == ["country", "email", "first_name", "phone", "source"]


@pytest.mark.parametrize(
    ("field", "limit"),
    [("first_name", 80), ("last_name", 80), ("address_line1", 200), ("goals", 4000)],
)
def test_text_over_the_limit_is_refused_with_the_count(owner, field, limit):
    values = {"first_name": "Ann", field: "é" * (limit + 1)}
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(actor=owner, **values)
    assert error_fields(exc_info) == [field]
    assert f"At most {limit}" in exc_info.value.errors[0]["message"]
    values[field] = "é" * limit
    assert services.client_create(actor=owner, **values).pk


def test_a_date_of_birth_in_the_future_is_refused(owner):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(
            actor=owner, first_name="Ann", date_of_birth=timezone.localdate() + timedelta(days=1)
        )
    assert error_fields(exc_info) == ["date_of_birth"]


def test_unicode_names_are_kept_and_found_without_accents(owner):
    client = services.client_create(actor=owner, first_name="Zoë", last_name="Åström-Ñúñez")
    assert client.full_name == "Zoë Åström-Ñúñez"
    assert list(selectors.client_list(user=owner, q="zoe astrom")) == [client]


def test_an_unknown_field_is_refused(owner):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(actor=owner, first_name="Ann", is_superuser=True)
    assert exc_info.value.code == "unknown_field"


# --- Consent ----------------------------------------------------------------------------


def _at(minute: int) -> datetime:
    return datetime(2030, 1, 1, 9, minute, tzinfo=UTC)


def test_consent_times_are_set_when_given_and_when_withdrawn(owner, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _at(0))
    client = services.client_create(actor=owner, first_name="Ann", email_consent=True)
    assert (client.email_consent_at, client.sms_consent_at) == (_at(0), None)

    monkeypatch.setattr(timezone, "now", lambda: _at(5))
    services.client_update(actor=owner, client=client, sms_consent=True)
    client.refresh_from_db()
    assert (client.email_consent_at, client.sms_consent_at) == (_at(0), _at(5))

    monkeypatch.setattr(timezone, "now", lambda: _at(9))
    services.client_update(actor=owner, client=client, email_consent=False)
    client.refresh_from_db()
    assert client.email_consent is False
    assert (client.email_consent_at, client.sms_consent_at) == (_at(9), _at(5))


def test_saving_the_same_consent_again_keeps_its_time(owner, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: _at(0))
    client = services.client_create(actor=owner, first_name="Ann", sms_consent=True)
    monkeypatch.setattr(timezone, "now", lambda: _at(30))
    services.client_update(actor=owner, client=client, sms_consent=True)
    client.refresh_from_db()
    assert client.sms_consent_at == _at(0)


# --- Health data ------------------------------------------------------------------------


def test_the_front_desk_cannot_write_health_data(front_desk, gym):
    with pytest.raises(Forbidden):
        services.client_create(actor=front_desk, first_name="Ann", health_notes="Asthma")
    with pytest.raises(Forbidden):
        services.client_update(actor=front_desk, client=gym.member, injuries="")
    gym.member.refresh_from_db()
    assert gym.member.injuries == "Left knee ligament, 2023."


def test_the_front_desk_may_create_a_client_with_empty_health_fields(front_desk):
    assert services.client_create(actor=front_desk, first_name="Ann", health_notes="").pk


def test_health_changes_are_audited_by_name_never_by_value(owner, gym):
    give_health_consent(gym.member)
    services.client_update(actor=owner, client=gym.member, injuries="Shoulder", goals="Swim")
    entry = AuditEntry.objects.get(action="client.update")
    assert entry.changes == {"injuries": "changed", "goals": ["", "Swim"]}
    assert "Shoulder" not in str(entry.changes)


def test_creating_with_health_data_is_refused_as_a_new_client_has_not_consented(owner):
    with pytest.raises(ApplicationError) as exc_info:
        services.client_create(actor=owner, first_name="Ann", health_notes="Epilepsy")

    assert exc_info.value.code == "consent_required"
    assert error_fields(exc_info) == ["health_notes"]
    assert not Client.objects.exists()


def test_health_notes_need_the_clients_consent_and_stop_when_it_is_withdrawn(owner, gym):
    client = ClientFactory(first_name="Ann")
    with pytest.raises(ApplicationError) as exc_info:
        services.client_update(actor=owner, client=client, injuries="Shoulder")
    assert exc_info.value.code == "consent_required"
    assert error_fields(exc_info) == ["injuries"]

    give_health_consent(client)
    services.client_update(actor=owner, client=client, injuries="Shoulder")
    consent_withdraw(actor=owner, client=client, method="in_person")
    with pytest.raises(ApplicationError):
        services.client_update(actor=owner, client=client, injuries="Wrist")

    client.refresh_from_db()
    assert client.injuries == "Shoulder"


def test_unchanged_or_cleared_health_notes_need_no_consent(owner, gym):
    # build_gym's member has notes recorded before consent was asked for.
    services.client_update(
        actor=owner, client=gym.member, injuries=gym.member.injuries, goals="Swim"
    )
    services.client_update(actor=owner, client=gym.member, health_notes="")

    gym.member.refresh_from_db()
    assert (gym.member.goals, gym.member.health_notes) == ("Swim", "")


# --- Who may write ----------------------------------------------------------------------


def test_clients_and_anonymous_callers_cannot_create_clients(client_user):
    for actor in (client_user, AnonymousUser()):
        with pytest.raises(Forbidden):
            services.client_create(actor=actor, first_name="Ann")
    assert not Client.objects.exists()


def test_a_client_cannot_change_their_own_record_through_the_staff_service(client_user, gym):
    with pytest.raises(Forbidden):
        services.client_update(actor=client_user, client=gym.member, goals="x")


def test_someone_who_cannot_see_a_client_gets_not_found(outsider, gym):
    with pytest.raises(NotFound):
        services.client_update(actor=outsider, client=gym.member, goals="x")
    with pytest.raises(NotFound):
        services.client_update(actor=gym.other_coach.user, client=gym.member, goals="x")


def test_a_trainer_without_a_profile_cannot_create_clients(db):
    from fitnesscrm.core.roles import Role
    from tests.factories import UserFactory

    with pytest.raises(Forbidden):
        services.client_create(actor=UserFactory(role=Role.TRAINER), first_name="Ann")


# --- Archive and restore ----------------------------------------------------------------


def test_archiving_hides_a_client_from_lists_but_keeps_record_and_history(owner, gym):
    services.note_add(actor=owner, client=gym.member, body="Before archiving")
    services.client_archive(actor=owner, client=gym.member)
    assert gym.member not in selectors.client_list(user=owner)
    kept = selectors.client_get(user=owner, client_id=gym.member.pk)
    assert kept.archived_at is not None
    bodies = list(kept.timeline.values_list("body", flat=True))
    assert "Before archiving" in bodies and "Archived." in bodies
    assert AuditEntry.objects.filter(action="client.archive").count() == 1


def test_archiving_twice_changes_nothing_the_second_time(owner, gym):
    first = services.client_archive(actor=owner, client=gym.member).archived_at
    assert services.client_archive(actor=owner, client=gym.member).archived_at == first
    assert AuditEntry.objects.filter(action="client.archive").count() == 1


def test_restoring_brings_the_client_back_to_the_lists(front_desk, gym):
    services.client_archive(actor=front_desk, client=gym.member)
    services.client_restore(actor=front_desk, client=gym.member)
    assert gym.member in selectors.client_list(user=front_desk)
    assert TimelineEntry.objects.filter(
        client=gym.member, body="Restored from the archive."
    ).exists()


def test_trainers_cannot_archive_or_restore(owner, trainer, gym):
    with pytest.raises(Forbidden):
        services.client_archive(actor=trainer, client=gym.member)
    services.client_archive(actor=owner, client=gym.member)
    with pytest.raises(Forbidden):
        services.client_restore(actor=trainer, client=gym.member)


def test_archiving_someone_elses_client_is_not_found_for_a_trainer(trainer, gym):
    with pytest.raises(NotFound):
        services.client_archive(actor=trainer, client=gym.stranger)


# --- Notes ------------------------------------------------------------------------------


def test_notes_need_text_within_the_limit_and_a_known_kind(owner, gym):
    for body, kind, field in [
        ("  ", "note", "body"),
        ("x" * 10001, "note", "body"),
        ("ok", EntryKind.STATUS, "kind"),
    ]:
        with pytest.raises(ApplicationError) as exc_info:
            services.note_add(actor=owner, client=gym.member, body=body, kind=kind)
        assert error_fields(exc_info) == [field]
    assert services.note_add(actor=owner, client=gym.member, body="x" * 10000).pk


def test_pinning_a_note_puts_it_first(owner, gym):
    old = services.note_add(actor=owner, client=gym.member, body="Old but important")
    services.note_add(actor=owner, client=gym.member, body="Newer")
    services.note_pin(actor=owner, client=gym.member, entry_id=old.pk, pinned=True)
    assert selectors.client_timeline(user=owner, client=gym.member).first() == old


def test_a_trainer_cannot_add_notes_to_a_client_they_do_not_coach(trainer, gym):
    with pytest.raises(NotFound):
        services.note_add(actor=trainer, client=gym.stranger, body="Hello")


# --- Bulk actions -----------------------------------------------------------------------


def test_bulk_tagging_touches_only_the_clients_the_actor_can_see(trainer, gym):
    ids = [gym.member.pk, gym.stranger.pk, gym.outsider_record.pk]
    assert services.clients_bulk_tag(actor=trainer, client_ids=ids, tag_name="Spring") == 1
    assert list(gym.member.tags.values_list("name", flat=True)) == ["Spring"]
    assert not gym.stranger.tags.exists() and not gym.outsider_record.tags.exists()


def test_bulk_status_changes_only_visible_clients_and_keeps_history_for_each(trainer, gym):
    ids = [gym.member.pk, gym.stranger.pk]
    assert services.clients_bulk_status(actor=trainer, client_ids=ids, status="paused") == 1
    gym.member.refresh_from_db()
    gym.stranger.refresh_from_db()
    assert (gym.member.status, gym.stranger.status) == ("paused", Status.ACTIVE)
    assert TimelineEntry.objects.filter(client=gym.member, kind=EntryKind.STATUS).count() == 1


def test_bulk_assigning_a_trainer_skips_clients_who_already_have_them(front_desk, gym):
    ids = [gym.member.pk, gym.stranger.pk]
    assert services.clients_bulk_assign(actor=front_desk, client_ids=ids, trainer=gym.coach) == 1
    assert gym.stranger.assignments.filter(trainer=gym.coach, end_date__isnull=True).exists()


def test_trainers_cannot_bulk_assign(trainer, gym):
    with pytest.raises(Forbidden):
        services.clients_bulk_assign(actor=trainer, client_ids=[gym.member.pk], trainer=gym.coach)


def test_an_empty_or_huge_selection_is_refused(owner):
    with pytest.raises(ApplicationError, match="at least one"):
        services.clients_bulk_tag(actor=owner, client_ids=[], tag_name="x")
    with pytest.raises(ApplicationError, match="at most 1000"):
        services.clients_bulk_tag(actor=owner, client_ids=range(1, 1002), tag_name="x")


def test_a_client_login_cannot_bulk_tag_even_their_own_record(client_user, gym):
    with pytest.raises(Forbidden):
        services.clients_bulk_tag(actor=client_user, client_ids=[gym.member.pk], tag_name="x")
