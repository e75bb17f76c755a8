"""API of accounts: who am I, and my API keys."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Router, Schema, Status
from pydantic import StringConstraints

from fitnesscrm.accounts import selectors, services
from fitnesscrm.core.api_auth import ALL_SCOPES, API_AREAS

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    role: str
    role_label: str
    auth_method: str


@router.get("/me", response=MeOut, summary="The caller and their role")
def me(request):
    user = request.auth
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        role_label=user.get_role_display(),
        auth_method=getattr(request, "auth_method", "session"),
    )


class ApiKeyOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    scopes: list[str] = Field(description="What the key may do: <area>:read or <area>:write.")
    expires_at: datetime | None = Field(description="When the key stops working; null: never.")


class ApiKeyIn(Schema):
    # Stripped before the length checks, so a blank name is a 422 at the field like an empty one.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = (
        Field(description="What the key is for.")
    )
    scopes: list[str] | None = Field(
        None,
        description=(
            "Scopes such as clients:read or billing:write (write includes read); areas: "
            f"{', '.join(API_AREAS)}. Omitted: every scope of the caller's key, or every "
            "scope with a session. A key never does more than its user's role allows."
        ),
        max_length=len(ALL_SCOPES),
    )
    expires_at: datetime | None = Field(
        None, description="When the key stops working (with a time zone); null: never."
    )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The full key. Shown only in this response; store it safely.")


@router.get("/me/api-keys", response=list[ApiKeyOut], summary="The caller's API keys")
def api_key_list(request):
    return list(selectors.api_key_list(user=request.auth)[:100])


@router.post(
    "/me/api-keys", response={201: ApiKeyCreated}, summary="Create an API key for the caller"
)
def api_key_create(request, payload: ApiKeyIn):
    key, raw = services.api_key_create(
        user=request.auth,
        name=payload.name,
        scopes=payload.scopes,
        expires_at=payload.expires_at,
        within=getattr(request, "api_key", None),
    )
    return Status(201, ApiKeyCreated(**ApiKeyOut.from_orm(key).model_dump(), key=raw))


@router.delete(
    "/me/api-keys/{key_id}", response={204: None}, summary="Revoke one of the caller's API keys"
)
def api_key_revoke(request, key_id: int):
    services.api_key_revoke(key_id=key_id, actor=request.auth)
    return Status(204, None)
