"""API of accounts: who am I."""

from ninja import Router, Schema

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
