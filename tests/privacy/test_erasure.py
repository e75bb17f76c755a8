"""Erasure: no personal data left anywhere, files gone, the books kept under a pseudonym."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from fitnesscrm.accounts.models import ApiKey
from fitnesscrm.billing.models import Invoice, Payment
from fitnesscrm.clients.models import Client, ConsentRecord, TimelineEntry
from fitnesscrm.core.errors import ApplicationError, Forbidden
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.privacy import services
from fitnesscrm.privacy.models import DataSubjectRequest, ErasureRecord
from fitnesscrm.progress.models import Measurement, ProgressPhoto
from fitnesscrm.progress.storage import photo_storage
from fitnesscrm.scheduling.models import Booking
from fitnesscrm.training.models import WorkoutLog
from tests.privacy.conftest import NAME, PERSONAL

pytestmark = pytest.mark.django_db


def database_text() -> str:
    """Every value of every column of every table, as one lower-cased text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # Table names from the database itself, quoted: nothing from outside.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.extend(
                    bytes(v).decode(errors="ignore") if isinstance(v, memoryview) else str(v)
                    for v in row
                )
    return "\n".join(parts).lower()


def _erase(owner, member, capture, confirmation=NAME):
    with capture(execute=True):
        return services.client_erase(actor=owner, client=member, confirmation=confirmation)


def test_after_erasure_the_name_email_and_phone_are_nowhere_in_the_database(
    member_world, owner, client_user, django_capture_on_commit_callbacks
):
    before = database_text()
    for secret in PERSONAL:
        assert secret.lower() in before, secret  # the dump does find them while they exist

    _erase(owner, member_world.member, django_capture_on_commit_callbacks)

    after = database_text()
    for secret in PERSONAL:
        assert secret.lower() not in after, secret
    # Other people's data is untouched.
    assert "sam" in after and "stranger" in after and "diabetic." in after


def test_the_photo_files_are_deleted_through_their_storage(
    member_world, owner, django_capture_on_commit_callbacks
):
    progress_name = member_world.training.photo.image.name
    profile = member_world.member.photo
    profile_storage, profile_name = profile.storage, profile.name
    stranger_photo = member_world.training.stranger_photo.image.name
    assert photo_storage().exists(progress_name) and profile_storage.exists(profile_name)

    _erase(owner, member_world.member, django_capture_on_commit_callbacks)

    assert not photo_storage().exists(progress_name)
    assert not profile_storage.exists(profile_name)
    assert photo_storage().exists(stranger_photo)
    assert not ProgressPhoto.objects.filter(client=member_world.member).exists()


def test_invoices_and_payments_stay_under_the_pseudonym_and_bookings_stay_for_statistics(
    member_world, owner, django_capture_on_commit_callbacks
):
    member = member_world.member
    invoices = set(Invoice.objects.filter(client=member).values_list("pk", "number", "total_minor"))

    record = _erase(owner, member, django_capture_on_commit_callbacks)

    member.refresh_from_db()
    assert member.full_name == f"Erased client #{member.pk}" == record.pseudonym
    assert set(
        Invoice.objects.filter(client=member).values_list("pk", "number", "total_minor")
    ) == (invoices)
    assert Payment.objects.filter(client=member).count() == 1
    named = Invoice.objects.get(pk=member_world.named_invoice.pk)
    assert named.notes == "Ask [erased] before charging."
    assert named.lines.get().description == "PT session for [erased]"
    booking = Booking.objects.get(pk=member_world.booking.pk)
    assert booking.client_id == member.pk and booking.checked_in_at is not None
    assert (member.email, member.phone, member.health_notes, member.date_of_birth) == (
        "",
        "",
        "",
        None,
    )
    assert member.archived_at is not None and not member.tags.exists()
    for model in (Measurement, WorkoutLog, ConsentRecord, TimelineEntry):
        assert not model.objects.filter(client=member).exists(), model


def test_the_login_is_closed_its_sessions_and_api_keys_removed(
    member_world, owner, client_user, client, django_capture_on_commit_callbacks
):
    client.force_login(client_user)
    # A key made while the login was a staff account's: erasure removes it all the same.
    ApiKey.objects.create(user=client_user, name="Mine", prefix="erase0key01")
    assert Session.objects.count() == 1

    _erase(owner, member_world.member, django_capture_on_commit_callbacks)

    client_user.refresh_from_db()
    assert not client_user.is_active and not client_user.has_usable_password()
    assert client_user.email == f"erased-client-{member_world.member.pk}@erased.invalid"
    assert Session.objects.count() == 0
    assert not ApiKey.objects.filter(user=client_user).exists()
    assert client.get(reverse("portal-privacy:index")).status_code == 302


def test_the_erasure_is_recorded_with_counts_and_without_personal_data(
    member_world, owner, django_capture_on_commit_callbacks
):
    DataSubjectRequest.objects.create(
        client=member_world.member, kind="erasure", received_at=member_world.member.created_at
    )
    record = _erase(owner, member_world.member, django_capture_on_commit_callbacks)

    stored = ErasureRecord.objects.get()
    assert stored == record and stored.erased_by == owner
    assert stored.client_id == member_world.member.pk
    assert stored.counts["photos"] == 1 and stored.counts["invoices_kept"] == 2
    assert stored.counts["bookings_kept"] == 1 and stored.counts["measurements"] == 2
    entry = AuditEntry.objects.get(action="client.erase")
    assert entry.actor == owner and entry.object_label == record.pseudonym
    assert DataSubjectRequest.objects.get().status == "done"


@pytest.mark.parametrize("role", ["manager", "trainer", "front_desk", "client_user"])
def test_only_the_owner_may_erase(member_world, role, request):
    actor = request.getfixturevalue(role)
    with pytest.raises(ApplicationError) as refused:
        services.client_erase(actor=actor, client=member_world.member, confirmation="ERASE")
    assert isinstance(refused.value, Forbidden)
    assert not ErasureRecord.objects.exists()
    assert Client.objects.get(pk=member_world.member.pk).full_name == NAME


def test_a_wrong_confirmation_shows_the_form_again_and_erases_nothing(member_world, owner, client):
    client.force_login(owner)
    url = reverse("privacy:erase", args=[member_world.member.pk])

    response = client.post(url, {"confirmation": "Cleo"})

    assert response.status_code == 400
    assert "Type the client&#x27;s full name, or ERASE" in response.content.decode()
    assert not ErasureRecord.objects.exists()
    assert Client.objects.get(pk=member_world.member.pk).email


def test_the_owner_erases_on_the_page_by_typing_erase(
    member_world, owner, client, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    url = reverse("privacy:erase", args=[member_world.member.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmation": "ERASE"}, follow=True)

    assert response.status_code == 200
    assert f"Erased client #{member_world.member.pk}" in response.content.decode()
    assert ErasureRecord.objects.count() == 1
    again = client.post(url, {"confirmation": "ERASE"})
    assert again.status_code == 400 and ErasureRecord.objects.count() == 1
