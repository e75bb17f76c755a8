"""What the client pages share: the roles they admit, finding a client or a 404, small helpers."""

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from fitnesscrm.clients import selectors
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import CLIENT_DESK_ROLES
from fitnesscrm.core.roles import STAFF_ROLES

STAFF = tuple(STAFF_ROLES)
DESK = tuple(CLIENT_DESK_ROLES)


def _client_or_404(request: HttpRequest, client_id: int, *, include_archived: bool = True):
    try:
        return selectors.client_get(
            user=request.user, client_id=client_id, include_archived=include_archived
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _is_fragment(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _back(request: HttpRequest, default: str) -> str:
    """Where a small form returns to: its `next` field when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value or "—")


def _detail_url(client) -> str:
    return reverse("clients:detail", args=[client.pk])
