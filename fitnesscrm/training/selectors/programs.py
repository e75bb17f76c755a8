"""Reads of programs, scoped to what the acting user may see.

Owners, managers and trainers see the business's programs (the library) and the copies
of the clients whose training they may see (`coached_clients`: a trainer only their own
clients'); a client sees their own copies; the front desk sees none. A program a user
may not see does not exist for them (NotFound).
"""

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from fitnesscrm.clients.models import Client
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.training.access import coached_clients, coaches
from fitnesscrm.training.models import (
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramTag,
    ProgramWeek,
)

MAX_QUERY_LENGTH = 100


def visible_programs(user) -> QuerySet[Program]:
    """Every program `user` may read (archived ones too)."""
    if coaches(user):
        return Program.objects.filter(
            Q(client__isnull=True) | Q(client__in=coached_clients(user).values("pk"))
        )
    if role_of(user) == Role.CLIENT:
        return Program.objects.filter(client__in=coached_clients(user).values("pk"))
    return Program.objects.none()


def program_library(
    *, user, q: str = "", tag: str = "", templates_only: bool = False
) -> QuerySet[Program]:
    """The business's live programs by name, with tags, week and exercise counts loaded.

    Empty for anyone but owners, managers and trainers. `q` matches words of the name;
    `tag` a tag name (ignoring case).
    """
    if not coaches(user):
        return Program.objects.none()
    programs = Program.objects.filter(client__isnull=True, archived_at__isnull=True)
    for word in (q or "")[:MAX_QUERY_LENGTH].split():
        programs = programs.filter(name__icontains=word)
    if tag:
        programs = programs.filter(tags__name__iexact=tag.strip())
    if templates_only:
        programs = programs.filter(is_template=True)
    return (
        programs.select_related("trainer__user")
        .annotate(
            week_count=Count("weeks", distinct=True),
            exercise_count=Count("weeks__days__exercises", distinct=True),
        )
        .prefetch_related(Prefetch("tags", queryset=ProgramTag.objects.order_by("name")))
        .order_by("name", "id")
    )


def program_get(*, user, program_id: int) -> Program:
    """A library program or a client's copy `user` may see, or NotFound."""
    found = (
        visible_programs(user)
        .select_related("client", "source", "trainer__user")
        .prefetch_related(Prefetch("tags", queryset=ProgramTag.objects.order_by("name")))
        .filter(pk=program_id)
        .first()
    )
    if found is None:
        raise NotFound("No such program.")
    return found


def client_for_programs(*, user, client_id: int) -> Client:
    """A client whose programs `user` may see (archived clients too), or NotFound."""
    if role_of(user) == Role.CLIENT or coaches(user):
        from fitnesscrm.clients.selectors import visible_clients

        found = visible_clients(user, include_archived=True).filter(pk=client_id).first()
        if found is not None:
            return found
    raise NotFound("No such client.")


def client_programs(*, user, client_id: int, include_archived: bool = False) -> QuerySet[Program]:
    """A client's copies, newest start first, or NotFound when `user` may not see the client."""
    client = client_for_programs(user=user, client_id=client_id)
    programs = Program.objects.filter(client=client)
    if not include_archived:
        programs = programs.filter(archived_at__isnull=True)
    return (
        programs.select_related("client", "source", "trainer__user")
        .annotate(week_count=Count("weeks", distinct=True))
        .order_by("-start_date", "-id")
    )


def entries_queryset() -> QuerySet[ProgramExercise]:
    """Program exercises in order, with their exercise and their sets (one more query)."""
    sets = ProgramSet.objects.order_by("position", "id")
    return (
        ProgramExercise.objects.select_related("exercise")
        .order_by("position", "id")
        .prefetch_related(Prefetch("sets", queryset=sets))
    )


def days_queryset() -> QuerySet[ProgramDay]:
    """Days in order with their exercises and sets (two more queries)."""
    return ProgramDay.objects.order_by("position", "id").prefetch_related(
        Prefetch("exercises", queryset=entries_queryset())
    )


def program_tree(program: Program) -> Program:
    """`program` with weeks → days → exercises (with the exercise) → sets loaded.

    Four queries whatever the program's size; read `program.weeks.all()`,
    `week.days.all()`, `day.exercises.all()` and `entry.sets.all()` without more.
    """
    sets = ProgramSet.objects.order_by("position", "id")
    entries = (
        ProgramExercise.objects.select_related("exercise")
        .order_by("position", "id")
        .prefetch_related(Prefetch("sets", queryset=sets))
    )
    days = ProgramDay.objects.order_by("position", "id").prefetch_related(
        Prefetch("exercises", queryset=entries)
    )
    weeks = ProgramWeek.objects.order_by("number").prefetch_related(Prefetch("days", queryset=days))
    prefetch_related_objects([program], Prefetch("weeks", queryset=weeks))
    return program


def week_days(week: ProgramWeek) -> list[ProgramDay]:
    """The days of one week with their exercises (and the exercise) and sets: three queries."""
    return list(days_queryset().filter(week=week))


def program_tags() -> QuerySet[ProgramTag]:
    """Every program tag, by name (the library's filter)."""
    return ProgramTag.objects.order_by("name")
