"""Reads of measurements, scoped by the one access rule of training and health data.

Owners and managers see every client's measurements, a trainer those of the clients
assigned to them, a client their own, the front desk none (training.access). A
measurement or client the user may not see is NotFound, whatever its id.
"""

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from fitnesscrm.clients.models import Client
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.progress.models import Measurement
from fitnesscrm.progress.models.measurements import VALUE_FIELDS
from fitnesscrm.progress.units import bmi
from fitnesscrm.training.access import coached_clients


def progress_client_get(*, user, client_id) -> Client:
    """A client whose health data `user` may see, or NotFound."""
    try:
        return coached_clients(user).get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such client.") from exc


def own_client(user) -> Client:
    """A client's own record (portal), or NotFound when the login has none."""
    if role_of(user) != Role.CLIENT:
        raise NotFound("No such client.")
    client = coached_clients(user).first()
    if client is None:
        raise NotFound("Your login is not linked to a client record.")
    return client


def visible_measurements(user) -> QuerySet[Measurement]:
    return Measurement.objects.filter(client__in=coached_clients(user))


def measurement_list(
    *,
    user,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Measurement]:
    """Measurements `user` may see, newest first; by client and date range when given."""
    measurements = visible_measurements(user).select_related("client", "recorded_by")
    if client_id is not None:
        measurements = measurements.filter(client_id=client_id)
    if date_from is not None:
        measurements = measurements.filter(measured_on__gte=date_from)
    if date_to is not None:
        measurements = measurements.filter(measured_on__lte=date_to)
    return measurements.order_by("-measured_on", "-id")


def measurement_get(*, user, measurement_id) -> Measurement:
    try:
        return (
            visible_measurements(user)
            .select_related("client", "recorded_by")
            .get(pk=measurement_id)
        )
    except (Measurement.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such measurement.") from exc


def can_change_measurement(user, measurement: Measurement) -> bool:
    """Coaching staff change any they may see; a client only those they recorded."""
    if role_of(user) == Role.CLIENT:
        return measurement.recorded_by_id == user.pk
    return True


def latest_values(client: Client) -> dict:
    """The newest value of each measure and its date, and BMI, in one query.

    {"weight_kg": (Decimal, date) | None, …, "bmi": Decimal | None}. BMI is the latest
    weight over the square of the latest height on record (None without a height).
    """
    annotations = {}
    for name in VALUE_FIELDS:
        newest = Measurement.objects.filter(client=OuterRef("pk"), **{f"{name}__isnull": False})
        newest = newest.order_by("-measured_on", "-id")
        annotations[f"latest_{name}"] = Subquery(newest.values(name)[:1])
        annotations[f"latest_{name}_on"] = Subquery(newest.values("measured_on")[:1])
    row = Client.objects.filter(pk=client.pk).annotate(**annotations).values(*annotations).get()
    latest = {
        name: (row[f"latest_{name}"], row[f"latest_{name}_on"])
        if row[f"latest_{name}"] is not None
        else None
        for name in VALUE_FIELDS
    }
    weight = latest["weight_kg"][0] if latest["weight_kg"] else None
    height = latest["height_cm"][0] if latest["height_cm"] else None
    latest["bmi"] = bmi(weight, height)
    return latest
