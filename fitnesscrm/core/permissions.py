"""Who may do what: role rules in one place, and the view decorator that applies them."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from fitnesscrm.core.roles import MANAGEMENT_ROLES, STAFF_ROLES, Role


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def is_staff_member(user) -> bool:
    return role_of(user) in STAFF_ROLES


def can_view_audit_log(user) -> bool:
    return role_of(user) in MANAGEMENT_ROLES


def can_manage_api_keys(user) -> bool:
    return is_staff_member(user)


def role_required(*roles: Role):
    """Let only signed-in users with one of `roles` through.

    Anonymous visitors go to the login page; a signed-in user of another role
    gets the 403 page, and the refusal is written to the audit log.
    """
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(user) not in allowed:
                from fitnesscrm.core.audit import audit_record

                audit_record(
                    actor=user,
                    action="access.denied",
                    object_type="page",
                    object_label=request.path[:200],
                )
                raise PermissionDenied("This page is not available to your role.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


# --- Clients -----------------------------------------------------------------------
# Who sees which clients lives in fitnesscrm.clients.selectors; these are the role rules.

CLIENT_DESK_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.FRONT_DESK})


def sees_all_clients(user) -> bool:
    """Owners, managers and the front desk work with every client; trainers with theirs."""
    return role_of(user) in CLIENT_DESK_ROLES


def manages_staff(user) -> bool:
    return role_of(user) in MANAGEMENT_ROLES
