"""Recording body measurements: consent first, values a human body can have, audited by name.

Values arrive in metric (the forms convert what was typed in imperial with
progress.units before calling). Each is checked against LIMITS, with a message that
gives the range in both unit systems; nothing is stored when one value is wrong.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.consent import health_consent_require
from fitnesscrm.clients.models import Client
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.progress.models import Measurement
from fitnesscrm.progress.models.measurements import VALUE_FIELDS
from fitnesscrm.progress.selectors.measurements import (
    can_change_measurement,
    measurement_get,
    progress_client_get,
)
from fitnesscrm.progress.units import INTEGER_FIELDS, TENTH, in_range, range_message, round_to

NOTES_LIMIT = 2000
NO_VALUE_MESSAGE = "Enter at least one measurement."


def invalid(errors: dict[str, str]) -> ApplicationError:
    first = next(iter(errors.values()))
    return ApplicationError(
        first if len(errors) == 1 else "Some values are not valid.",
        code="invalid",
        errors=[{"field": name, "message": message} for name, message in errors.items()],
    )


def _clean_values(values: dict) -> tuple[dict, dict[str, str]]:
    cleaned, errors = {}, {}
    for name, value in values.items():
        if name not in VALUE_FIELDS:
            raise ApplicationError(f"Unknown measure {name!r}.", code="unknown_field")
        if value is None or value == "":
            cleaned[name] = None
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            errors[name] = "Enter a number."
            continue
        if not number.is_finite():
            errors[name] = "Enter a number."
            continue
        if name in INTEGER_FIELDS:
            if number != number.to_integral_value():
                errors[name] = "Enter a whole number."
                continue
            number = int(number)
        elif abs(number) < Decimal("1e6"):
            number = round_to(number, TENTH)
        if not in_range(name, number):
            errors[name] = range_message(name)
            continue
        cleaned[name] = number
    return cleaned, errors


def _check(measured_on: date | None, values: dict, notes: str) -> dict[str, str]:
    """Rules on the whole measurement, once each value is known to be in range."""
    errors: dict[str, str] = {}
    if measured_on is None:
        errors["measured_on"] = "Enter the date of the measurement."
    elif measured_on > timezone.localdate():
        errors["measured_on"] = "The date is in the future."
    elif measured_on.year < 1900:
        errors["measured_on"] = "Enter a date after 1900."
    systolic, diastolic = values.get("bp_systolic"), values.get("bp_diastolic")
    if (systolic is None) != (diastolic is None):
        missing = "bp_diastolic" if diastolic is None else "bp_systolic"
        errors[missing] = "Enter both blood pressure values (systolic and diastolic), or neither."
    elif systolic is not None and systolic <= diastolic:
        errors["bp_systolic"] = (
            "The systolic pressure (the higher number) must be above the diastolic."
        )
    if len(notes) > NOTES_LIMIT:
        errors["notes"] = f"At most {NOTES_LIMIT} characters (this has {len(notes)})."
    if not any(values.get(name) is not None for name in VALUE_FIELDS) and not errors:
        errors[""] = NO_VALUE_MESSAGE
    return errors


def _after_change(client: Client) -> None:
    from fitnesscrm.progress.services.goals import goals_check

    goals_check(client=client)


@transaction.atomic
def measurement_record(
    *,
    actor,
    client: Client,
    measured_on: date | None = None,
    values: dict,
    notes: str = "",
) -> Measurement:
    """Record a measurement (metric values) for a client the actor coaches, or for oneself."""
    client = progress_client_get(user=actor, client_id=client.pk)
    health_consent_require(client)
    measured_on = measured_on or timezone.localdate()
    notes = (notes or "").strip()
    cleaned, errors = _clean_values(values)
    if errors:
        raise invalid(errors)
    errors = _check(measured_on, cleaned, notes)
    if errors:
        raise invalid(errors)
    measurement = Measurement.objects.create(
        client=client, measured_on=measured_on, notes=notes, recorded_by=actor, **cleaned
    )
    audit_record(
        actor=actor,
        action="measurement.create",
        target=measurement,
        changes={
            "client": client.pk,
            "measured_on": str(measured_on),
            # Health data: the measures recorded, never their values.
            "fields": sorted(name for name, value in cleaned.items() if value is not None),
        },
    )
    _after_change(client)
    return measurement


def _changeable(actor, measurement: Measurement) -> Measurement:
    measurement = measurement_get(user=actor, measurement_id=measurement.pk)
    if not can_change_measurement(actor, measurement):
        raise NotFound("No such measurement.")
    return measurement


@transaction.atomic
def measurement_update(
    *,
    actor,
    measurement: Measurement,
    measured_on: date | None = None,
    values: dict | None = None,
    notes: str | None = None,
) -> Measurement:
    """Change a measurement: `values` holds the measures to change (None clears one)."""
    measurement = _changeable(actor, measurement)
    health_consent_require(measurement.client)
    cleaned, errors = _clean_values(values or {})
    if errors:
        raise invalid(errors)
    merged = {name: getattr(measurement, name) for name in VALUE_FIELDS}
    merged.update(cleaned)
    new_date = measured_on or measurement.measured_on
    new_notes = measurement.notes if notes is None else notes.strip()
    errors = _check(new_date, merged, new_notes)
    if errors:
        raise invalid(errors)
    changed = sorted(name for name in VALUE_FIELDS if merged[name] != getattr(measurement, name))
    for name in VALUE_FIELDS:
        setattr(measurement, name, merged[name])
    changes: dict = {"fields": changed} if changed else {}
    if new_date != measurement.measured_on:
        changes["measured_on"] = [str(measurement.measured_on), str(new_date)]
    if new_notes != measurement.notes:
        changes["notes"] = "changed"
    measurement.measured_on = new_date
    measurement.notes = new_notes
    measurement.save()
    if changes:
        audit_record(actor=actor, action="measurement.update", target=measurement, changes=changes)
        _after_change(measurement.client)
    return measurement


@transaction.atomic
def measurement_delete(*, actor, measurement: Measurement) -> None:
    """Delete a measurement (always allowed to whoever may change it, consent or not)."""
    measurement = _changeable(actor, measurement)
    client = measurement.client
    audit_record(
        actor=actor,
        action="measurement.delete",
        target=measurement,
        changes={"client": client.pk, "measured_on": str(measurement.measured_on)},
    )
    measurement.delete()
    _after_change(client)
