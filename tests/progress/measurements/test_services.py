"""Recording measurements: consent, limits, blood pressure, dates; nothing stored when refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.progress.models import Measurement
from fitnesscrm.progress.services import measurements as services
from tests.factories import MeasurementFactory, give_health_consent


@pytest.fixture
def consenting(gym):
    give_health_consent(gym.member)
    return gym.member


def refused(actor, client, **values) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc_info:
        services.measurement_record(actor=actor, client=client, values=values)
    assert not Measurement.objects.exists()
    return exc_info.value


def test_a_trainer_records_a_measurement_of_their_client(trainer, consenting):
    measurement = services.measurement_record(
        actor=trainer,
        client=consenting,
        values={"weight_kg": Decimal("85.04"), "body_fat_pct": 18, "resting_hr": 60},
    )
    measurement.refresh_from_db()
    assert measurement.weight_kg == Decimal("85.0")
    assert measurement.body_fat_pct == Decimal("18.0")
    assert measurement.resting_hr == 60
    assert measurement.measured_on == timezone.localdate()
    assert measurement.recorded_by == trainer


def test_no_consent_no_measurement(owner, gym):
    error = refused(owner, gym.member, weight_kg=80)
    assert error.code == "consent_required"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_kg", 0, "Weight must be between 20 and 400 kg (44\u2013882 lb)."),
        ("weight_kg", 2000, "Weight must be between 20 and 400 kg (44\u2013882 lb)."),
        ("body_fat_pct", 120, "Body fat must be between 2 and 75%."),
        ("resting_hr", 5, "Resting heart rate must be between 25 and 220 bpm."),
        ("waist_cm", -3, "Waist must be between 40 and 250 cm (16\u201398 in)."),
        ("height_cm", "1e30", "Height must be between 90 and 250 cm (35\u201398 in)."),
    ],
)
def test_impossible_values_are_refused_with_the_range_and_nothing_is_stored(
    owner, consenting, field, value, message
):
    error = refused(owner, consenting, **{field: value})
    assert error.errors == [{"field": field, "message": message}]


def test_one_impossible_value_refuses_the_whole_measurement(owner, consenting):
    error = refused(owner, consenting, weight_kg=80, body_fat_pct=120)
    assert [e["field"] for e in error.errors] == ["body_fat_pct"]


def test_a_measurement_needs_at_least_one_value(owner, consenting):
    error = refused(owner, consenting, weight_kg=None)
    assert error.message == "Enter at least one measurement."


def test_a_measurement_cannot_be_dated_in_the_future(owner, consenting):
    with pytest.raises(ApplicationError) as exc_info:
        services.measurement_record(
            actor=owner,
            client=consenting,
            measured_on=timezone.localdate() + timedelta(days=1),
            values={"weight_kg": 80},
        )
    assert exc_info.value.errors[0] == {
        "field": "measured_on",
        "message": "The date is in the future.",
    }
    assert not Measurement.objects.exists()


def test_blood_pressure_needs_both_numbers(owner, consenting):
    error = refused(owner, consenting, bp_systolic=120)
    assert error.errors[0]["field"] == "bp_diastolic"


def test_the_systolic_pressure_must_be_above_the_diastolic(owner, consenting):
    error = refused(owner, consenting, bp_systolic=80, bp_diastolic=120)
    assert "must be above the diastolic" in error.errors[0]["message"]


def test_the_audit_lists_the_measures_never_their_values(owner, consenting):
    services.measurement_record(
        actor=owner,
        client=consenting,
        values={"weight_kg": 83.7, "bp_systolic": 121, "bp_diastolic": 79},
    )
    entry = AuditEntry.objects.get(action="measurement.create")
    assert entry.changes["fields"] == ["bp_diastolic", "bp_systolic", "weight_kg"]
    assert "83.7" not in str(entry.changes) and "121" not in str(entry.changes)


def test_an_update_changes_only_the_values_sent_and_null_clears_one(owner, consenting):
    measurement = MeasurementFactory(client=consenting, waist_cm=Decimal("90"))
    services.measurement_update(
        actor=owner, measurement=measurement, values={"weight_kg": 84, "waist_cm": None}
    )
    measurement.refresh_from_db()
    assert (measurement.weight_kg, measurement.waist_cm) == (Decimal("84.0"), None)


def test_an_update_that_leaves_no_value_is_refused(owner, consenting):
    measurement = MeasurementFactory(client=consenting)
    with pytest.raises(ApplicationError):
        services.measurement_update(
            actor=owner, measurement=measurement, values={"weight_kg": None}
        )
    measurement.refresh_from_db()
    assert measurement.weight_kg == Decimal("85.0")


def test_a_client_records_their_own_weight_and_may_change_only_what_they_recorded(
    client_user, trainer, consenting
):
    own = services.measurement_record(
        actor=client_user, client=consenting, values={"weight_kg": 82}
    )
    coach = services.measurement_record(actor=trainer, client=consenting, values={"weight_kg": 83})

    services.measurement_update(actor=client_user, measurement=own, values={"weight_kg": 81})
    with pytest.raises(NotFound):
        services.measurement_update(actor=client_user, measurement=coach, values={"weight_kg": 1})
    with pytest.raises(NotFound):
        services.measurement_delete(actor=client_user, measurement=coach)
    services.measurement_delete(actor=client_user, measurement=own)
    assert list(Measurement.objects.values_list("weight_kg", flat=True)) == [Decimal("83.0")]


@pytest.mark.parametrize("who", ["front_desk", "other_trainer", "outsider"])
def test_nobody_else_records_or_deletes_the_clients_measurements(who, request, consenting):
    actor = request.getfixturevalue(who)
    with pytest.raises(NotFound):
        services.measurement_record(actor=actor, client=consenting, values={"weight_kg": 80})
    measurement = MeasurementFactory(client=consenting)
    with pytest.raises(NotFound):
        services.measurement_delete(actor=actor, measurement=measurement)
    assert Measurement.objects.count() == 1


def test_deleting_a_measurement_needs_no_consent(owner, gym):
    measurement = MeasurementFactory(client=gym.member)
    services.measurement_delete(actor=owner, measurement=measurement)
    assert not Measurement.objects.exists()
