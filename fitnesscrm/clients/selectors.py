"""Reads of clients, always scoped to what the acting user may see.

Owners, managers and the front desk see every client; a trainer sees the clients
actively assigned to them; a client sees only their own record. Records a user
may not see do not exist for them (NotFound), whatever their id.
"""

import contextlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
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
from fitnesscrm.core import generations
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.permissions import is_staff_member, role_of, sees_all_clients
from fitnesscrm.core.roles import MANAGEMENT_ROLES, STAFF_ROLES, Role
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
        _loaded_for(user, client)
        or visible_clients(user, include_archived=True).filter(pk=client.pk).exists()
    )


def _loaded_for(user, client: Client) -> bool:
    """Whether `client` is the object client_get loaded for `user` (so they may see it)."""
    return getattr(client, "_loaded_for", None) == (user.pk, role_of(user))


def _require_visible(user, client: Client) -> None:
    """NotFound unless `user` may see `client`; no query when client_get just loaded it for them."""
    if not _loaded_for(user, client):
        client_get(user=user, client_id=client.pk)


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
            # "07911 123456" finds +447911123456: read as the business's country.
            with contextlib.suppress(InvalidPhone):
                condition |= Q(phone=normalize_phone(q))
            # A part of a number typed with the national trunk prefix ("07911 12"):
            # stored numbers are E.164, which drops that leading 0.
            local = digits(q)
            if local.startswith("0") and not q.strip().startswith("+") and len(local) >= 6:
                condition |= Q(phone__contains=local[1:])
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
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    if q and len(search_key(q)) >= 3:
        order = _not_from_an_index(order)
    clients = _ClientListQuerySet(model=Client, query=clients.query.chain(), using=clients.db)
    return clients.order_by(*order)


# --- What a list shows of a client's tags and trainers -------------------------------------
#
# Read as plain values, two queries for a whole page: Django's prefetching built a
# related manager per client and three model objects per assignment (the assignment,
# the trainer, the account), 3.5 ms for 25 clients of a 20 ms page.


@dataclass(frozen=True, slots=True)
class ListedTag:
    pk: int
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class ListedTrainer:
    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ListedAssignment:
    pk: int
    trainer_id: int
    trainer: ListedTrainer
    is_primary: bool
    start_date: date


def _attach_listed(clients: list[Client]) -> None:
    """Set `loaded_tags` and `active_assignments` on each client of a list."""
    ids = [client.pk for client in clients]
    tags: dict[int, list[ListedTag]] = defaultdict(list)
    for client_id, tag_id, name, colour in (
        Client.tags.through.objects.filter(client_id__in=ids)
        .order_by("tag__name", "tag_id")
        .values_list("client_id", "tag_id", "tag__name", "tag__colour")
    ):
        tags[client_id].append(ListedTag(tag_id, name, colour))
    assignments: dict[int, list[ListedAssignment]] = defaultdict(list)
    for pk, client_id, trainer_id, is_primary, start_date, full_name, email in (
        Assignment.objects.filter(client_id__in=ids, end_date__isnull=True)
        .order_by("-is_primary", "start_date", "id")
        .values_list(
            "pk",
            "client_id",
            "trainer_id",
            "is_primary",
            "start_date",
            "trainer__user__full_name",
            "trainer__user__email",
        )
    ):
        trainer = ListedTrainer(trainer_id, full_name or email)
        assignments[client_id].append(
            ListedAssignment(pk, trainer_id, trainer, is_primary, start_date)
        )
    for client in clients:
        client.loaded_tags = tags.get(client.pk, [])
        client.active_assignments = assignments.get(client.pk, [])


def _not_from_an_index(order: tuple[str, ...]) -> tuple:
    """The same order, its first key written as an expression that no index provides.

    When searching, PostgreSQL would otherwise walk the name (or created) index in
    order and test each row against the search until it has a page: up to 80 ms at
    100,000 clients for a rare name. Unable to read the order from an index, it finds
    the matches with the trigram index and sorts them: 1-3 ms (docs/PERFORMANCE.md).
    """
    first, *rest = order
    name = first.removeprefix("-")
    key = Coalesce(F(name), F(name))
    return (key.desc() if first.startswith("-") else key.asc(), *rest)


# From this offset on, a slice reads the page's ids from the index first and then
# only those rows (a "deferred join"): an OFFSET over whole rows read 12,500 of them
# for page 500 (25 a page) at 100,000 clients, 30 ms; the ids alone take 6 ms.
DEFERRED_JOIN_OFFSET = 500


class _ClientListQuerySet(QuerySet):
    """The client list: each client comes with its tags and active trainers (as values),
    and far pages are read with a deferred join (same rows, same order)."""

    def _fetch_all(self):
        fetched = self._result_cache is not None
        super()._fetch_all()
        if not fetched and self._result_cache and isinstance(self._result_cache[0], Client):
            _attach_listed(self._result_cache)

    def iterator(self, chunk_size: int | None = None):
        size = chunk_size or 2000
        batch: list = []
        for row in super().iterator(chunk_size=size):
            batch.append(row)
            if len(batch) == size:
                yield from self._listed(batch)
                batch = []
        yield from self._listed(batch)

    @staticmethod
    def _listed(rows: list) -> list:
        if rows and isinstance(rows[0], Client):
            _attach_listed(rows)
        return rows

    def __getitem__(self, k):
        if (
            isinstance(k, slice)
            and (k.start or 0) >= DEFERRED_JOIN_OFFSET
            and self._result_cache is None
            and not self.query.is_sliced
        ):
            ids = QuerySet.__getitem__(self.values("pk").prefetch_related(None), k)
            return self.filter(pk__in=ids)
        return super().__getitem__(k)


def client_get(*, user, client_id: int, include_archived: bool = True) -> Client:
    """One client `user` may see, or NotFound (also for ids that exist but are not theirs)."""
    try:
        client = visible_clients(user, include_archived=include_archived).get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such client.") from exc
    # The selectors below check visibility again; for this object and user, they need not.
    client._loaded_for = (user.pk, role_of(user))
    return client


def client_of_user(user) -> Client | None:
    """The client record of a client's login, if any."""
    return Client.objects.filter(user=user, archived_at__isnull=True).first()


def client_assignments(*, user, client: Client, include_ended: bool = True):
    _require_visible(user, client)
    assignments = client.assignments.select_related("trainer__user")
    if not include_ended:
        assignments = assignments.filter(end_date__isnull=True)
    return assignments.order_by("end_date", "-is_primary", "-start_date")


def client_timeline(*, user, client: Client) -> QuerySet[TimelineEntry]:
    """Notes, logged calls and emails, and changes: pinned first, then newest first.

    Staff only: the notes are the gym's, so a client may see their record but not these.
    """
    _require_visible(user, client)
    if not is_staff_member(user):
        raise Forbidden("The timeline is for staff.")
    return client.timeline.select_related("author").order_by("-pinned", "-created_at", "-id")


# The "won" column shows conversions of the last few weeks; older ones are plain clients.
BOARD_WON_DAYS = 30


def lead_board(*, user) -> dict[str, list[Client]]:
    """Leads by pipeline stage, for the board view (each column capped at 100).

    A lead with a trial booked becomes a trial client and stays on the board until
    it is won or lost; won leads (now active clients) stay for BOARD_WON_DAYS. Each
    card has `open_tasks`, its open follow-up tasks soonest first.
    """
    since = timezone.now() - timedelta(days=BOARD_WON_DAYS)
    in_pipeline = Q(status__in=(Status.LEAD, Status.TRIAL)) & ~Q(lead_stage=LeadStage.WON)
    won = Q(lead_stage=LeadStage.WON, status_changed_at__gte=since)
    leads = (
        visible_clients(user)
        .filter(in_pipeline | won)
        .order_by("-created_at", "-id")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=FollowUpTask.objects.filter(done_at__isnull=True).order_by(
                    "due_date", "id"
                ),
                to_attr="open_tasks",
            )
        )
    )
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


# Tag choices are cached under this generation; clients/apps.py follows the changes.
TAGS_GENERATION = "tags"


def tag_choices() -> list[Tag]:
    """Every tag, by name, for the list's filter: cached until a tag changes."""
    return generations.cached(TAGS_GENERATION, "choices", lambda: list(tag_list()))


def assignment_list(
    *,
    user,
    client_id: int | None = None,
    trainer_id: int | None = None,
    active: bool | None = None,
) -> QuerySet[Assignment]:
    """Assignments of the clients `user` may see (archived ones too: they are history)."""
    assignments = Assignment.objects.filter(
        client__in=visible_clients(user, include_archived=True)
    ).select_related("client", "trainer__user")
    if client_id is not None:
        assignments = assignments.filter(client_id=client_id)
    if trainer_id is not None:
        assignments = assignments.filter(trainer_id=trainer_id)
    if active is not None:
        assignments = assignments.filter(end_date__isnull=active)
    return assignments.order_by(F("end_date").desc(nulls_first=True), "-start_date", "-id")


def assignment_get(*, user, assignment_id: int) -> Assignment:
    """One assignment of a client `user` may see, or NotFound."""
    try:
        return assignment_list(user=user).get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such assignment.") from exc


def client_tasks(*, user, client: Client) -> QuerySet[FollowUpTask]:
    """A client's follow-up tasks: open ones first, soonest due; then done ones, latest first."""
    _require_visible(user, client)
    return client.tasks.select_related("assigned_to").order_by(
        F("done_at").desc(nulls_first=True), "due_date", "id"
    )


def task_assignees(*, user):
    """The active staff a follow-up task can be given to (what task_create accepts)."""
    from fitnesscrm.accounts.models import User

    if not is_staff_member(user):
        return User.objects.none()
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name", "email")
