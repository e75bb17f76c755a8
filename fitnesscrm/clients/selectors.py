"""Reads of clients, always scoped to what the acting user may see.

Owners, managers and the front desk see every client; a trainer sees the clients
actively assigned to them; a client sees only their own record. Records a user
may not see do not exist for them (NotFound), whatever their id.
"""

import contextlib
import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from fitnesscrm.clients.models import (
    Assignment,
    Client,
    FollowUpTask,
    LeadStage,
    Status,
    Tag,
    TimelineEntry,
)
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_of, sees_all_clients
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role
from fitnesscrm.core.text import InvalidPhone, digits, normalize_phone, search_key

_PHONE_LIKE = re.compile(r"[+\d\s().-]+")

SORTS = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "status": ("status", "last_name", "first_name", "id"),
    "-status": ("-status", "last_name", "first_name", "id"),
}
DEFAULT_SORT = "name"


def _active_assignments_of(user):
    return Assignment.objects.filter(
        client=OuterRef("pk"), trainer__user=user, end_date__isnull=True
    )


def visible_clients(user, *, include_archived: bool = False) -> QuerySet[Client]:
    """Every client `user` may see; none for anyone else."""
    role = role_of(user)
    clients = Client.objects.all()
    if not include_archived:
        clients = clients.filter(archived_at__isnull=True)
    if sees_all_clients(user):
        return clients
    if role == Role.TRAINER:
        return clients.filter(Exists(_active_assignments_of(user)))
    if role == Role.CLIENT:
        return clients.filter(user=user)
    return clients.none()


def can_edit_client(user, client: Client) -> bool:
    """Staff who may see a client may edit it; clients edit their profile through the portal."""
    return role_of(user) in (MANAGEMENT_ROLES | {Role.FRONT_DESK, Role.TRAINER}) and (
        visible_clients(user, include_archived=True).filter(pk=client.pk).exists()
    )


def can_see_health(user, client: Client) -> bool:
    """Health notes and injuries: owners, managers and the client's assigned trainers."""
    role = role_of(user)
    if role in MANAGEMENT_ROLES:
        return True
    if role == Role.TRAINER:
        return Assignment.objects.filter(
            client=client, trainer__user=user, end_date__isnull=True
        ).exists()
    return False


def client_list(
    *,
    user,
    q: str = "",
    status: str = "",
    trainer_id: int | None = None,
    tag_id: int | None = None,
    source: str = "",
    sort: str = DEFAULT_SORT,
    include_archived: bool = False,
) -> QuerySet[Client]:
    """The clients `user` may see, filtered and sorted, with tags and active trainers loaded."""
    clients = visible_clients(user, include_archived=include_archived)
    if q:
        key = search_key(q)
        condition = Q(search_text__contains=key)
        if _PHONE_LIKE.fullmatch(q.strip()) and len(digits(q)) >= 4:
            condition |= Q(phone__contains=digits(q))
            # "07700 900123" finds +447700900123: read as the business's country.
            with contextlib.suppress(InvalidPhone):
                condition |= Q(phone=normalize_phone(q))
        clients = clients.filter(condition)
    if status:
        clients = clients.filter(status=status)
    if trainer_id:
        clients = clients.filter(
            Exists(
                Assignment.objects.filter(
                    client=OuterRef("pk"), trainer_id=trainer_id, end_date__isnull=True
                )
            )
        )
    if tag_id:
        clients = clients.filter(tags__id=tag_id)
    if source:
        clients = clients.filter(source=source)
    return clients.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT])).prefetch_related(
        "tags",
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(end_date__isnull=True).select_related(
                "trainer__user"
            ),
            to_attr="active_assignments",
        ),
    )


def client_get(*, user, client_id: int, include_archived: bool = True) -> Client:
    """One client `user` may see, or NotFound (also for ids that exist but are not theirs)."""
    try:
        return visible_clients(user, include_archived=include_archived).get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such client.") from exc


def client_of_user(user) -> Client | None:
    """The client record of a client's login, if any."""
    return Client.objects.filter(user=user, archived_at__isnull=True).first()


def client_assignments(*, user, client: Client, include_ended: bool = True):
    client_get(user=user, client_id=client.pk)
    assignments = client.assignments.select_related("trainer__user")
    if not include_ended:
        assignments = assignments.filter(end_date__isnull=True)
    return assignments.order_by("end_date", "-is_primary", "-start_date")


def client_timeline(*, user, client: Client) -> QuerySet[TimelineEntry]:
    """Notes, logged calls and emails, and changes: pinned first, then newest first."""
    client_get(user=user, client_id=client.pk)
    return client.timeline.select_related("author").order_by("-pinned", "-created_at", "-id")


def lead_board(*, user) -> dict[str, list[Client]]:
    """Leads by pipeline stage, for the board view (each column capped at 100)."""
    leads = visible_clients(user).filter(status=Status.LEAD).order_by("-created_at", "-id")
    board = {}
    for stage in LeadStage.values:
        board[stage] = list(leads.filter(lead_stage=stage)[:100])
    return board


def lead_stage_counts(*, user) -> dict[str, int]:
    rows = (
        visible_clients(user)
        .filter(status=Status.LEAD)
        .values("lead_stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = dict.fromkeys(LeadStage.values, 0)
    counts.update({row["lead_stage"]: row["n"] for row in rows})
    return counts


def tasks_for(*, user, include_done: bool = False) -> QuerySet[FollowUpTask]:
    """Follow-up tasks assigned to `user` about clients they may see, soonest first."""
    tasks = FollowUpTask.objects.filter(
        assigned_to=user, client__in=visible_clients(user)
    ).select_related("client")
    if not include_done:
        tasks = tasks.filter(done_at__isnull=True)
    return tasks.order_by("due_date", "id")


def overdue(task: FollowUpTask) -> bool:
    return task.done_at is None and task.due_date < timezone.localdate()


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")
