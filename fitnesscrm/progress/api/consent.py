"""/api/v1/clients/{client_id}/consents: the client's consent to health data.

GET lists every grant and withdrawal, newest first (the newest decides). POST records
one: a client for themselves (method "api", the default for them), staff who coach the
client for a consent given "in_person" or "written". `granted: false` withdraws, and
with `delete_data: true` also erases the client's measurements, progress photos, body
goals and health notes. Mounted through the measurements router.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from fitnesscrm.clients import consent
from fitnesscrm.clients.models import ConsentMethod
from fitnesscrm.core.api_helpers import PageParams, page, text, utc
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.progress.selectors.measurements import progress_client_get

router = Router(tags=["Progress"])

MethodName = Literal[tuple(ConsentMethod.values)]  # type: ignore[valid-type]


class ConsentOut(Schema):
    id: int
    client_id: int
    kind: str
    granted: bool
    method: str
    wording: str
    recorded_at: datetime
    recorded_by_id: int | None


class ConsentPage(Schema):
    count: int
    limit: int
    offset: int
    in_force: bool = Field(description="Whether health data may be recorded now.")
    items: list[ConsentOut]


def consent_out(record) -> dict:
    return {
        "id": record.pk,
        "client_id": record.client_id,
        "kind": record.kind,
        "granted": record.granted,
        "method": record.method,
        "wording": record.wording,
        "recorded_at": utc(record.recorded_at),
        "recorded_by_id": record.recorded_by_id,
    }


@router.get(
    "/clients/{client_id}/consents",
    response=ConsentPage,
    summary="A client's consent to health data, with its history",
)
def consent_list(request, client_id: int, params: Query[PageParams]):
    client = progress_client_get(user=request.auth, client_id=client_id)
    history = consent.consent_history(client)
    result = page(history, params, lambda rows: [consent_out(r) for r in rows])
    return {**result, "in_force": consent.has_health_consent(client)}


class ConsentIn(Schema):
    granted: bool = Field(description="true gives consent, false withdraws it.")
    method: MethodName | None = Field(
        None,
        description='A client: "api" (the default). Staff: "in_person" or "written" (required).',
    )
    wording: text(2000) = Field(
        "", description="The wording the client agreed to; the product's own if empty."
    )
    delete_data: bool = Field(
        False, description="With granted=false: also erase the client's health data."
    )


class ConsentAnswer(Schema):
    in_force: bool
    record: ConsentOut | None = Field(
        description="The record written; null when only data kept from an earlier consent "
        "was erased."
    )


@router.post(
    "/clients/{client_id}/consents",
    response={201: ConsentAnswer},
    summary="Give or withdraw a client's consent to health data",
)
def consent_record(request, client_id: int, payload: ConsentIn):
    user = request.auth
    client = progress_client_get(user=user, client_id=client_id)
    method = payload.method or (ConsentMethod.API if role_of(user) == Role.CLIENT else "")
    if payload.granted:
        record = consent.consent_grant(
            actor=user, client=client, method=method, wording=payload.wording
        )
    else:
        record = consent.consent_withdraw(
            actor=user, client=client, method=method, delete_data=payload.delete_data
        )
    return Status(
        201,
        {
            "in_force": consent.has_health_consent(client),
            "record": consent_out(record) if record else None,
        },
    )
