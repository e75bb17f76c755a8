"""API of trainers: /api/v1/trainers and /api/v1/trainers/{id}."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema

from fitnesscrm.core.api_helpers import MAX_OFFSET
from fitnesscrm.core.permissions import is_staff_member, manages_staff
from fitnesscrm.trainers import selectors
from fitnesscrm.trainers.models import Trainer

router = Router(tags=["trainers"])

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


class CertificationOut(Schema):
    id: int
    name: str
    issuer: str
    issued_on: date | None
    expires_on: date | None
    expiring: bool = Field(description="Expires within the warning period.")
    expired: bool


class MoneyOut(Schema):
    amount_minor: int = Field(description="In minor units (pence, cents).")
    currency: str


class TrainerPublicOut(Schema):
    """A trainer as a client sees one of their own trainers."""

    id: int
    name: str
    bio: str
    colour: str
    is_active: bool
    specializations: list[str]
    certifications: list[CertificationOut]


class TrainerOut(TrainerPublicOut):
    """As staff see a colleague: with contact and workload."""

    user_id: int
    email: str
    active_clients: int


class TrainerWithRateOut(TrainerOut):
    """As owners and managers see every trainer, and a trainer sees their own profile."""

    hourly_rate: MoneyOut


TrainerItem = TrainerWithRateOut | TrainerOut | TrainerPublicOut


class TrainerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TrainerItem]


class TrainerFilters(Schema):
    q: str = Field("", max_length=200, description="Name or email; any case or accents.")
    active: bool | None = Field(None, description="true: active only; false: inactive only.")
    specialization: str | None = Field(None, max_length=60, description="An id or a name.")
    sort: Literal["name", "-name", "clients", "-clients"] = "name"
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1 to 100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


def _trainer_out(user):
    staff = is_staff_member(user)
    manager = manages_staff(user)

    def build(trainer: Trainer) -> dict:
        out = {
            "id": trainer.pk,
            "name": trainer.name,
            "bio": trainer.bio,
            "colour": trainer.colour,
            "is_active": trainer.is_active,
            "specializations": [s.name for s in trainer.specializations.all()],
            "certifications": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "issuer": c.issuer,
                    "issued_on": c.issued_on,
                    "expires_on": c.expires_on,
                    "expiring": c.is_expiring,
                    "expired": c.is_expired,
                }
                for c in trainer.certifications.all()
            ],
        }
        if staff:
            out.update(
                user_id=trainer.user_id,
                email=trainer.user.email,
                active_clients=trainer.active_clients,
            )
        if manager or trainer.user_id == user.pk:
            out["hourly_rate"] = {
                "amount_minor": trainer.hourly_rate_minor,
                "currency": trainer.currency,
            }
        return out

    return build


def _specialization_id(value: str | None) -> int | None:
    """A specialization filter given as an id or a name; -1 (matches nothing) if unknown."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    found = selectors.specialization_list().filter(name__iexact=value.strip())
    found = found.values_list("id", flat=True)
    return next(iter(found), -1)


@router.get("/trainers", response=TrainerPage, summary="Trainers the caller may see")
def trainer_list(request, filters: Query[TrainerFilters]):
    """Staff see every trainer; a client sees the trainers assigned to them."""
    trainers = selectors.trainer_list(
        user=request.auth,
        q=filters.q.strip(),
        active=filters.active,
        specialization_id=_specialization_id(filters.specialization),
        sort=filters.sort,
    )
    rows = list(trainers[filters.offset : filters.offset + filters.limit])
    build = _trainer_out(request.auth)
    return {
        "count": trainers.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [build(trainer) for trainer in rows],
    }


@router.get("/trainers/{trainer_id}", response=TrainerItem, summary="One trainer")
def trainer_detail(request, trainer_id: int):
    trainer = selectors.trainer_get(user=request.auth, trainer_id=trainer_id)
    return _trainer_out(request.auth)(trainer)
