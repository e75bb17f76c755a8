"""Consent to health data: given by the client or recorded by their coach, withdrawn, erased."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from fitnesscrm.clients import consent
from fitnesscrm.clients.models import ConsentRecord
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.progress.models import Goal, GoalMetric, Measurement, ProgressPhoto
from fitnesscrm.progress.services.measurements import measurement_record
from tests.factories import ExerciseFactory, GoalFactory, MeasurementFactory, give_health_consent


def test_a_client_without_a_consent_record_has_no_health_consent(gym):
    assert not consent.has_health_consent(gym.member)
    with pytest.raises(ApplicationError) as exc_info:
        consent.health_consent_require(gym.member)
    assert exc_info.value.code == "consent_required"
    assert "has not agreed to health data being recorded" in exc_info.value.message


def test_the_client_gives_consent_in_the_portal_with_the_wording_and_time(gym, client_user):
    before = timezone.now()
    record = consent.consent_grant(actor=client_user, client=gym.member, method="portal")

    assert consent.has_health_consent(gym.member)
    assert record.wording == consent.HEALTH_CONSENT_WORDING
    assert record.recorded_at >= before
    assert record.recorded_by == client_user
    entry = AuditEntry.objects.get(action="consent.grant")
    assert entry.changes["method"] == "portal"


def test_the_clients_trainer_records_a_consent_given_in_person(gym, trainer):
    record = consent.consent_grant(actor=trainer, client=gym.member, method="in_person")
    assert record.method == "in_person"
    assert consent.has_health_consent(gym.member)


def test_staff_cannot_claim_the_client_agreed_in_the_portal(gym, owner):
    with pytest.raises(ApplicationError) as exc_info:
        consent.consent_grant(actor=owner, client=gym.member, method="portal")
    assert exc_info.value.errors[0]["field"] == "method"
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("who", ["front_desk", "other_trainer", "outsider"])
def test_people_who_may_not_see_the_clients_health_data_cannot_record_consent(who, gym, request):
    actor = request.getfixturevalue(who)
    method = "portal" if who == "outsider" else "in_person"
    with pytest.raises(NotFound):
        consent.consent_grant(actor=actor, client=gym.member, method=method)
    assert not ConsentRecord.objects.exists()


def test_withdrawing_stops_new_measurements_and_keeps_the_old_ones(gym, client_user):
    give_health_consent(gym.member)
    MeasurementFactory(client=gym.member)

    consent.consent_withdraw(actor=client_user, client=gym.member, method="portal")

    assert not consent.has_health_consent(gym.member)
    with pytest.raises(ApplicationError) as exc_info:
        measurement_record(actor=client_user, client=gym.member, values={"weight_kg": 80})
    assert exc_info.value.code == "consent_required"
    assert Measurement.objects.filter(client=gym.member).count() == 1


def test_consent_can_be_given_again_after_a_withdrawal(gym, client_user):
    give_health_consent(gym.member)
    consent.consent_withdraw(actor=client_user, client=gym.member, method="portal")
    consent.consent_grant(actor=client_user, client=gym.member, method="portal")

    assert consent.has_health_consent(gym.member)
    assert [r.granted for r in consent.consent_history(gym.member)] == [True, False, True]


def test_withdrawing_with_deletion_erases_measurements_photos_body_goals_and_health_notes(
    gym, client_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    give_health_consent(gym.member)
    MeasurementFactory(client=gym.member)
    photo = ProgressPhoto(client=gym.member, taken_on=timezone.localdate(), pose="front")
    photo.image.save("front.jpg", ContentFile(b"jpeg bytes"), save=False)
    photo.save()
    path = tmp_path / photo.image.name
    assert path.exists()
    GoalFactory(client=gym.member)
    lift_goal = GoalFactory(
        client=gym.member,
        metric=GoalMetric.E1RM,
        exercise=ExerciseFactory(),
        start_value=Decimal("100"),
        target_value=Decimal("120"),
    )
    untouched = MeasurementFactory(client=gym.stranger)

    with django_capture_on_commit_callbacks(execute=True):
        consent.consent_withdraw(
            actor=client_user, client=gym.member, method="portal", delete_data=True
        )

    gym.member.refresh_from_db()
    assert not Measurement.objects.filter(client=gym.member).exists()
    assert not ProgressPhoto.objects.filter(client=gym.member).exists()
    assert not path.exists()
    assert list(Goal.objects.filter(client=gym.member)) == [lift_goal]
    assert (gym.member.health_notes, gym.member.injuries) == ("", "")
    assert Measurement.objects.filter(pk=untouched.pk).exists()
    entry = AuditEntry.objects.get(action="consent.withdraw")
    assert entry.changes["erased"] == {
        "measurements": 1,
        "photos": 1,
        "goals": 1,
        "health_notes": 1,
    }
    assert "Asthma" not in str(entry.changes)


def test_withdrawing_a_consent_not_in_force_is_refused(gym, client_user):
    with pytest.raises(ApplicationError) as exc_info:
        consent.consent_withdraw(actor=client_user, client=gym.member, method="portal")
    assert exc_info.value.code == "consent_not_given"
    assert not ConsentRecord.objects.exists()


def test_the_newest_record_decides_whatever_the_order_of_ids(gym):
    grant = give_health_consent(gym.member)
    withdrawal = ConsentRecord.objects.create(
        client=gym.member, kind="health_data", granted=False, method="portal"
    )
    ConsentRecord.objects.filter(pk=withdrawal.pk).update(
        recorded_at=grant.recorded_at - timedelta(days=1)
    )
    assert consent.has_health_consent(gym.member)
