"""Reads of privacy records, scoped to the acting user.

Owners and managers handle data-protection work for every client; a client sees their
own exports and requests; nobody else sees any of it (trainers and the front desk do
not export or erase: a data export holds the billing and health data together).
"""

from django.db.models import QuerySet
from django.utils import timezone

from fitnesscrm.clients.models import Client, ConsentRecord
from fitnesscrm.clients.selectors import client_list
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role
from fitnesscrm.privacy.models import DataExport, DataSubjectRequest, ExportStatus, RequestStatus


def handles_privacy(user) -> bool:
    return role_of(user) in MANAGEMENT_ROLES


def request_client_matches(*, user, q: str, limit: int, chosen_id=None) -> list[Client]:
    """Clients a request may be logged for whose name, email or phone matches `q`.

    The client list's search, archived clients included (a former member keeps their
    rights); management only. When `chosen_id` (picked among earlier matches) still
    matches, it is the only one.
    """
    if not handles_privacy(user):
        raise Forbidden("Only owners and managers handle clients' personal data requests.")
    if not q.strip():
        return []
    clients = client_list(user=user, q=q.strip(), include_archived=True)
    try:
        chosen_pk = int(chosen_id or 0)
    except ValueError:
        chosen_pk = 0
    if 0 < chosen_pk < 2**63 and (chosen := clients.filter(pk=chosen_pk).first()):
        return [chosen]
    return list(clients[:limit])


def privacy_client_get(*, user, client_id) -> Client:
    """A client whose data `user` may export: any for management, their own for a client."""
    role = role_of(user)
    if role is None:
        raise Forbidden("Sign in first.")
    clients = Client.objects.all()
    if role == Role.CLIENT:
        clients = clients.filter(user=user)
    elif role not in MANAGEMENT_ROLES:
        raise Forbidden("Only owners and managers handle clients' personal data requests.")
    try:
        return clients.get(pk=int(client_id))
    except (Client.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such client.") from exc


def own_client(user) -> Client:
    """The client record of a client's login (archived or not), or NotFound."""
    if role_of(user) != Role.CLIENT:
        raise Forbidden("This page is for clients.")
    client = Client.objects.filter(user=user).first()
    if client is None:
        raise NotFound("Your login is not linked to a client record.")
    return client


def exports_of(*, user, client: Client) -> QuerySet[DataExport]:
    privacy_client_get(user=user, client_id=client.pk)
    return DataExport.objects.filter(client=client).order_by("-created_at", "-id")


def export_get(*, user, export_id, client_id=None) -> DataExport:
    """An export `user` may download (NotFound otherwise, also for other clients' ids)."""
    role = role_of(user)
    exports = DataExport.objects.select_related("client")
    if role == Role.CLIENT:
        exports = exports.filter(client__user=user)
    elif role not in MANAGEMENT_ROLES:
        raise Forbidden("Only owners and managers handle clients' personal data requests.")
    if client_id is not None:
        exports = exports.filter(client_id=client_id)
    try:
        return exports.get(pk=int(export_id))
    except (DataExport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such export.") from exc


def export_is_downloadable(export: DataExport) -> bool:
    return (
        export.status == ExportStatus.READY
        and bool(export.file)
        and export.expires_at > timezone.now()
    )


def consent_history_all(client: Client) -> QuerySet[ConsentRecord]:
    """Every consent record of every kind, newest first."""
    return ConsentRecord.objects.filter(client=client).select_related("recorded_by")


def requests_list(*, user, status: str | None = RequestStatus.OPEN):
    """Data-subject requests: every one for management, their own for a client."""
    role = role_of(user)
    requests = DataSubjectRequest.objects.select_related("client", "handled_by", "created_by")
    if role == Role.CLIENT:
        requests = requests.filter(client__user=user)
    elif role not in MANAGEMENT_ROLES:
        raise Forbidden("Only owners and managers handle clients' personal data requests.")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("due_at", "id")


def request_get(*, user, request_id, for_update: bool = False) -> DataSubjectRequest:
    """One request: any for management; a client reads their own (and changes none)."""
    role = role_of(user)
    asked = DataSubjectRequest.objects.select_related("client", "handled_by")
    if role == Role.CLIENT and not for_update:
        asked = asked.filter(client__user=user)
    elif role not in MANAGEMENT_ROLES:
        if role is None:
            raise Forbidden("Sign in first.")
        raise Forbidden("Only owners and managers handle clients' personal data requests.")
    try:
        return asked.get(pk=int(request_id))
    except (DataSubjectRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such request.") from exc
