"""The numbers on each role's home page: aggregated in SQL, a fixed number of queries, cached.

Business-wide figures are cached for CACHE_SECONDS under a key per role (owners and
managers see every client, so their figures are the same kind); a trainer's figures
are about their own clients, so their key also names the user. The viewer's own
follow-up tasks are read fresh on every request: ticking one off must show at once.
"""

from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from fitnesscrm.clients import selectors as client_selectors
from fitnesscrm.clients.models import EntryKind, LeadStage, Status, TimelineEntry
from fitnesscrm.core.errors import Forbidden
from fitnesscrm.core.permissions import manages_staff, role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling import selectors as scheduling_selectors
from fitnesscrm.trainers import selectors as trainer_selectors
from fitnesscrm.trainers.models import EXPIRY_WARNING_DAYS, Certification, Trainer

CACHE_SECONDS = 60
# Won and lost leads are counted over this many days for the conversion rate.
CONVERSION_DAYS = 90
RECENT_ACTIVITY = 10
TASKS_SHOWN = 10
CLIENTS_SHOWN = 8
RECENT_LEADS = 10
# Short names of timeline entry kinds, for the narrow activity column.
KIND_LABELS = {
    EntryKind.STATUS: "Status",
    EntryKind.STAGE: "Lead",
    EntryKind.ASSIGNMENT: "Trainer",
    EntryKind.SYSTEM: "Record",
}
# The open part of the pipeline, in board order (won and lost are outcomes).
OPEN_STAGES = (LeadStage.NEW, LeadStage.CONTACTED, LeadStage.TRIAL_BOOKED)
# Leads who booked a trial become trial clients, still in the pipeline.
PIPELINE_STATUSES = (Status.LEAD, Status.TRIAL)


def _cache_key(name: str, *parts) -> str:
    # The date is in the key so "this month" rolls over at midnight, not up to a minute later.
    return ":".join(["dashboard", "v1", name, *map(str, parts), timezone.localdate().isoformat()])


def _cached(key: str, compute):
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, CACHE_SECONDS)
    return data


def _month_start() -> datetime:
    first = timezone.localdate().replace(day=1)
    return datetime.combine(first, time.min, tzinfo=timezone.get_current_timezone())


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _client_numbers(user) -> dict:
    """Active clients, this month's new clients and leads, and the open pipeline: one query."""
    since = _month_start()
    in_pipeline = Q(status__in=PIPELINE_STATUSES)
    stage_counts = {
        f"stage_{stage}": Count("id", filter=in_pipeline & Q(lead_stage=stage))
        for stage in OPEN_STAGES
    }
    row = client_selectors.visible_clients(user).aggregate(
        active=Count("id", filter=Q(status=Status.ACTIVE)),
        new_clients=Count("id", filter=Q(created_at__gte=since) & ~Q(status=Status.LEAD)),
        new_leads=Count("id", filter=Q(created_at__gte=since, status=Status.LEAD)),
        **stage_counts,
    )
    stages = [
        {"stage": stage.value, "label": stage.label, "count": row[f"stage_{stage}"]}
        for stage in OPEN_STAGES
    ]
    biggest = max([s["count"] for s in stages] + [1])
    for item in stages:
        item["percent"] = _percent(item["count"], biggest)
    return {
        "active_clients": row["active"],
        "new_clients": row["new_clients"],
        "new_leads": row["new_leads"],
        "pipeline": stages,
        "pipeline_total": sum(s["count"] for s in stages),
    }


def _conversion(user) -> dict:
    """Leads won ÷ (won + lost) over the last CONVERSION_DAYS: one query.

    A lead counts by where it ended up: it must be in the won (or lost) stage now and
    have moved there in the period, so a lead won and then marked lost counts once.
    """
    since = timezone.now() - timedelta(days=CONVERSION_DAYS)

    def moved_to(stage: str):
        return Exists(
            TimelineEntry.objects.filter(
                client=OuterRef("pk"), kind=EntryKind.STAGE, created_at__gte=since, data__to=stage
            )
        )

    row = client_selectors.visible_clients(user, include_archived=True).aggregate(
        won=Count("id", filter=Q(lead_stage=LeadStage.WON) & Q(moved_to(LeadStage.WON))),
        lost=Count("id", filter=Q(lead_stage=LeadStage.LOST) & Q(moved_to(LeadStage.LOST))),
    )
    won, lost = row["won"], row["lost"]
    return {
        "won": won,
        "lost": lost,
        "rate": _percent(won, won + lost),
        "days": CONVERSION_DAYS,
    }


def _trainer_load() -> dict:
    """Active clients of each active trainer, busiest first: one query."""
    rows = list(
        Trainer.objects.filter(is_active=True)
        .annotate(
            clients=Count(
                "assignments",
                filter=Q(assignments__end_date__isnull=True, assignments__client__archived_at=None),
                distinct=True,
            )
        )
        .order_by("-clients", "user__full_name", "id")
        .values("id", "user__full_name", "user__email", "colour", "clients")
    )
    busiest = max([r["clients"] for r in rows] + [1])
    trainers = [
        {
            "id": r["id"],
            "name": r["user__full_name"] or r["user__email"],
            "colour": r["colour"],
            "clients": r["clients"],
            "percent": _percent(r["clients"], busiest),
        }
        for r in rows
    ]
    total = sum(t["clients"] for t in trainers)
    return {
        "trainers": trainers,
        # "4" rather than "4.0" when it is a whole number.
        "average": f"{total / len(trainers):.1f}".removesuffix(".0") if trainers else None,
    }


def _certifications(certifications) -> list[dict]:
    today = timezone.localdate()
    return [
        {
            "trainer_id": c.trainer_id,
            "trainer": str(c.trainer),
            "name": c.name,
            "expires_on": c.expires_on,
            "expired": c.expires_on < today,
            "days_left": (c.expires_on - today).days,
        }
        for c in certifications
    ]


def _summary(entry: TimelineEntry) -> str:
    data = entry.data or {}
    if entry.kind == EntryKind.STATUS:
        return f"Status {_label(Status, data.get('from'))} → {_label(Status, data.get('to'))}"
    if entry.kind == EntryKind.STAGE:
        text = f"Lead {_label(LeadStage, data.get('from'))} → {_label(LeadStage, data.get('to'))}"
        return f"{text}: {entry.body}" if entry.body else text
    return entry.body


def _label(choices, value) -> str:
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return str(value or "?")


def _recent_activity(user) -> list[dict]:
    """The last timeline entries about clients the user may see: one query."""
    entries = (
        TimelineEntry.objects.filter(client__in=client_selectors.visible_clients(user))
        .select_related("client", "author")
        .order_by("-created_at", "-id")[:RECENT_ACTIVITY]
    )
    return [
        {
            "kind": entry.kind,
            "kind_label": KIND_LABELS.get(entry.kind, entry.get_kind_display()),
            "client_id": entry.client_id,
            "client": entry.client.full_name,
            "author": str(entry.author) if entry.author else "",
            "summary": _summary(entry)[:140],
            "created_at": entry.created_at,
        }
        for entry in entries
    ]


def _open_tasks(user, *, due_by=None) -> dict:
    """The viewer's open follow-up tasks, soonest first (one extra row says "more")."""
    tasks = client_selectors.tasks_for(user=user)
    if due_by is not None:
        tasks = tasks.filter(due_date__lte=due_by)
    rows = list(tasks[: TASKS_SHOWN + 1])
    today = timezone.localdate()
    for task in rows:
        task.is_overdue = task.due_date < today
        task.is_today = task.due_date == today
    return {"items": rows[:TASKS_SHOWN], "more": len(rows) > TASKS_SHOWN}


def management_dashboard(*, user) -> dict:
    """Owner and manager home: the business at a glance."""
    if not manages_staff(user):
        raise Forbidden("Only owners and managers see the business dashboard.")
    role = role_of(user)

    def compute() -> dict:
        return {
            **_client_numbers(user),
            "conversion": _conversion(user),
            "load": _trainer_load(),
            "certifications": _certifications(
                trainer_selectors.expiring_certifications(user=user)[:10]
            ),
            "activity": _recent_activity(user),
            "computed_at": timezone.now(),
        }

    data = dict(_cached(_cache_key(role), compute))
    data["tasks"] = _open_tasks(user)
    data["expiry_days"] = EXPIRY_WARNING_DAYS
    return data


def trainer_dashboard(*, user) -> dict:
    """Trainer home: their clients by status, a few of them, and their certifications."""
    if role_of(user) != Role.TRAINER:
        raise Forbidden("This is the trainers' home page.")

    def compute() -> dict:
        clients = client_selectors.visible_clients(user)
        counts = clients.aggregate(
            total=Count("id"),
            **{status.value: Count("id", filter=Q(status=status)) for status in Status},
        )
        by_status = [
            {"status": status.value, "label": status.label, "count": counts[status.value]}
            for status in Status
            if counts[status.value]
        ]
        shown = [
            {
                "id": c.id,
                "name": c.full_name,
                "status": c.status,
                "status_label": c.get_status_display(),
            }
            for c in clients.order_by("last_name", "first_name", "id")[:CLIENTS_SHOWN]
        ]
        limit = timezone.localdate() + timedelta(days=EXPIRY_WARNING_DAYS)
        certifications = (
            Certification.objects.filter(trainer__user=user, expires_on__lte=limit)
            .select_related("trainer__user")
            .order_by("expires_on")
        )
        return {
            "client_total": counts["total"],
            "by_status": by_status,
            "clients": shown,
            "certifications": _certifications(certifications),
            "computed_at": timezone.now(),
        }

    data = dict(_cached(_cache_key(Role.TRAINER.value, user.pk), compute))
    data["tasks"] = _open_tasks(user)
    data["trainer"] = trainer_selectors.trainer_of_user(user)
    data["today"] = (
        scheduling_selectors.day_sessions(
            user=user, day=timezone.localdate(), trainer_id=data["trainer"].pk
        )
        if data["trainer"]
        else []
    )
    data["expiry_days"] = EXPIRY_WARNING_DAYS
    return data


def front_desk_dashboard(*, user) -> dict:
    """Front desk home: what is due today, and the newest open leads to call back."""
    if role_of(user) != Role.FRONT_DESK:
        raise Forbidden("This is the front desk's home page.")
    leads = (
        client_selectors.visible_clients(user)
        .filter(status=Status.LEAD)
        .exclude(lead_stage=LeadStage.LOST)
        .order_by("-created_at", "-id")[:RECENT_LEADS]
    )
    return {
        "tasks": _open_tasks(user, due_by=timezone.localdate()),
        "recent_leads": list(leads),
        "today": scheduling_selectors.day_sessions(user=user, day=timezone.localdate()),
    }


def client_portal(*, user) -> dict:
    """A client's home: their record (if linked) and the trainers working with them."""
    if role_of(user) != Role.CLIENT:
        raise Forbidden("This is the client portal.")
    trainers = (
        trainer_selectors.visible_trainers(user)
        .select_related("user")
        .prefetch_related("specializations")
        .order_by("user__full_name", "id")
    )
    return {"trainers": list(trainers)}
