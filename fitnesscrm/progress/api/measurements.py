"""/api/v1/measurements: body measurements, always in metric (kg, cm, %, bpm, mmHg).

Whatever unit system the business shows, the API reads and writes metric values;
`bmi` is computed from the measurement's weight and the client's latest height on
record. Values outside what a human body can measure, a date in the future, blood
pressure without both numbers (or a systolic not above the diastolic) and a
measurement with no value are refused with 422, naming the field; a client without
consent to health data gets 400 `consent_required`. Who sees what: owners and managers
every client's, a trainer their clients', a client their own; anything else is 404.

The client's consent endpoints (/clients/{client_id}/consents) are mounted here too.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from ninja import Field, Header, Query, Router, Schema, Status

from fitnesscrm.core.api_helpers import PageParams, missing, page, text, utc
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.progress.api import consent
from fitnesscrm.progress.models import Measurement
from fitnesscrm.progress.models.measurements import LIMITS, VALUE_FIELDS
from fitnesscrm.progress.selectors import measurements as selectors
from fitnesscrm.progress.services import measurements as services
from fitnesscrm.progress.units import bmi

router = Router(tags=["Progress"])
router.add_router("", consent.router)

IDEMPOTENCY_HEADER = Header(
    None,
    alias=HEADER,
    description="The same key and body within 24 hours answer the first result again.",
)


def _described(name: str) -> str:
    label, low, high, unit = LIMITS[name]
    return f"{label} in {unit}, from {low} to {high}."


class MeasurementValues(Schema):
    weight_kg: Decimal | None = Field(None, description=_described("weight_kg"))
    height_cm: Decimal | None = Field(None, description=_described("height_cm"))
    body_fat_pct: Decimal | None = Field(None, description=_described("body_fat_pct"))
    muscle_mass_kg: Decimal | None = Field(None, description=_described("muscle_mass_kg"))
    resting_hr: Decimal | None = Field(None, description=_described("resting_hr"))
    bp_systolic: Decimal | None = Field(None, description=_described("bp_systolic"))
    bp_diastolic: Decimal | None = Field(None, description=_described("bp_diastolic"))
    chest_cm: Decimal | None = Field(None, description=_described("chest_cm"))
    waist_cm: Decimal | None = Field(None, description=_described("waist_cm"))
    hips_cm: Decimal | None = Field(None, description=_described("hips_cm"))
    arm_cm: Decimal | None = Field(None, description=_described("arm_cm"))
    thigh_cm: Decimal | None = Field(None, description=_described("thigh_cm"))
    calf_cm: Decimal | None = Field(None, description=_described("calf_cm"))


class MeasurementOut(Schema):
    id: int
    client_id: int
    measured_on: date
    weight_kg: float | None
    height_cm: float | None
    body_fat_pct: float | None
    muscle_mass_kg: float | None
    resting_hr: int | None
    bp_systolic: int | None
    bp_diastolic: int | None
    chest_cm: float | None
    waist_cm: float | None
    hips_cm: float | None
    arm_cm: float | None
    thigh_cm: float | None
    calf_cm: float | None
    bmi: float | None = Field(
        description="From this weight and the client's latest height on record."
    )
    notes: str
    recorded_by_id: int | None
    created_at: datetime
    updated_at: datetime


class MeasurementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MeasurementOut]


def _latest_height():
    return Subquery(
        Measurement.objects.filter(client=OuterRef("client_id"), height_cm__isnull=False)
        .order_by("-measured_on", "-id")
        .values("height_cm")[:1]
    )


def _with_height(measurements):
    return measurements.annotate(latest_height_cm=_latest_height())


def measurement_out(measurement: Measurement) -> dict:
    height = getattr(measurement, "latest_height_cm", None) or measurement.height_cm
    out = {name: getattr(measurement, name) for name in VALUE_FIELDS}
    for name, value in out.items():
        if value is not None and name not in ("resting_hr", "bp_systolic", "bp_diastolic"):
            out[name] = float(value)
    computed = bmi(measurement.weight_kg, height)
    return {
        "id": measurement.pk,
        "client_id": measurement.client_id,
        "measured_on": measurement.measured_on,
        **out,
        "bmi": float(computed) if computed is not None else None,
        "notes": measurement.notes,
        "recorded_by_id": measurement.recorded_by_id,
        "created_at": utc(measurement.created_at),
        "updated_at": utc(measurement.updated_at),
    }


class MeasurementFilters(PageParams):
    client_id: int | None = Field(None, description="Only this client's measurements.")
    date_from: date | None = Field(None, description="Measured on or after this date.")
    date_to: date | None = Field(None, description="Measured on or before this date.")


@router.get("/measurements", response=MeasurementPage, summary="Measurements, newest first")
def measurement_list(request, filters: Query[MeasurementFilters]):
    measurements = _with_height(
        selectors.measurement_list(
            user=request.auth,
            client_id=filters.client_id,
            date_from=filters.date_from,
            date_to=filters.date_to,
        )
    )
    return page(measurements, filters, lambda rows: [measurement_out(m) for m in rows])


class MeasurementIn(MeasurementValues):
    client_id: int
    measured_on: date | None = Field(None, description="Today when left out.")
    notes: text(2000) = ""


def _get(user, measurement_id: int) -> Measurement:
    measurement = selectors.measurement_get(user=user, measurement_id=measurement_id)
    return _with_height(Measurement.objects.filter(pk=measurement.pk)).get()


@router.post("/measurements", response={201: MeasurementOut}, summary="Record a measurement")
def measurement_create(
    request, payload: MeasurementIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """Coaching staff for their clients, a client for themselves. Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        try:
            client = selectors.progress_client_get(user=user, client_id=payload.client_id)
        except NotFound as exc:
            raise missing("client_id", "No such client.") from exc
        measurement = services.measurement_record(
            actor=user,
            client=client,
            measured_on=payload.measured_on,
            values={name: getattr(payload, name) for name in VALUE_FIELDS},
            notes=payload.notes,
        )
        return 201, MeasurementOut(**measurement_out(_get(user, measurement.pk))).model_dump()

    return idempotent(
        request,
        scope="measurements.create",
        key=idempotency_key,
        payload=payload.model_dump(mode="json"),
        run=run,
    )


@router.get("/measurements/{measurement_id}", response=MeasurementOut, summary="One measurement")
def measurement_get(request, measurement_id: int):
    return measurement_out(_get(request.auth, measurement_id))


class MeasurementPatch(MeasurementValues):
    measured_on: date | None = None
    notes: text(2000) | None = None


@router.patch(
    "/measurements/{measurement_id}", response=MeasurementOut, summary="Change a measurement"
)
def measurement_update(request, measurement_id: int, payload: MeasurementPatch):
    """Only the fields sent change; a value sent as null is cleared. A client changes only
    the measurements they recorded themselves."""
    user = request.auth
    measurement = selectors.measurement_get(user=user, measurement_id=measurement_id)
    sent = payload.model_dump(exclude_unset=True)
    services.measurement_update(
        actor=user,
        measurement=measurement,
        measured_on=sent.get("measured_on"),
        values={name: value for name, value in sent.items() if name in VALUE_FIELDS},
        notes=sent.get("notes"),
    )
    return measurement_out(_get(user, measurement_id))


@router.delete(
    "/measurements/{measurement_id}", response={204: None}, summary="Delete a measurement"
)
def measurement_delete(request, measurement_id: int):
    user = request.auth
    measurement = selectors.measurement_get(user=user, measurement_id=measurement_id)
    services.measurement_delete(actor=user, measurement=measurement)
    return Status(204, None)
