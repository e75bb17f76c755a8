"""Reads of workout logs, personal records, adherence and the plan for today.

Every read takes the acting user and returns only what they may see
(fitnesscrm.training.access.coached_clients): owners and managers every client,
a trainer their assigned clients, a client their own; the front desk none of it.
A client or log the user may not see is NotFound, whatever its id.

Adherence compares, per calendar week of an active client copy (week k runs
program week (k mod weeks) + 1, see fitnesscrm.training.schedule), the days the
program plans with the distinct days logged for that week.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.training import records
from fitnesscrm.training.access import TRAINING_ROLES, coached_clients
from fitnesscrm.training.models import (
    LoggedSet,
    PersonalRecord,
    Program,
    ProgramDay,
    ProgramExercise,
    ProgramSet,
    ProgramStatus,
    ProgramWeek,
    RecordKind,
    WorkoutLog,
)
from fitnesscrm.training.models.programs import LoadUnit
from fitnesscrm.training.schedule import (
    planned_load,
    program_week_for,
    program_week_number,
    week_index_for,
)

MAX_ADHERENCE_WEEKS = 52


def _require_reader(user) -> None:
    if role_of(user) not in TRAINING_ROLES:
        raise Forbidden("Workouts and records are not available to your role.")


def training_client_get(*, user, client_id) -> Client:
    """A client whose training `user` may see, or NotFound (also for other people's ids)."""
    _require_reader(user)
    try:
        return coached_clients(user).get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such client.") from exc


# --- Logs ---------------------------------------------------------------------------------------


def _with_sets(logs: QuerySet[WorkoutLog]) -> QuerySet[WorkoutLog]:
    return logs.select_related("client", "program", "program_day", "logged_by").prefetch_related(
        Prefetch(
            "sets",
            queryset=LoggedSet.objects.select_related("exercise").order_by("position", "id"),
        )
    )


def workout_logs(
    *,
    user,
    client_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[WorkoutLog]:
    """The workouts `user` may see, newest first, with their sets (two queries for a page)."""
    _require_reader(user)
    logs = WorkoutLog.objects.filter(client__in=coached_clients(user))
    if client_id is not None:
        logs = logs.filter(client_id=client_id)
    if date_from is not None:
        logs = logs.filter(performed_on__gte=date_from)
    if date_to is not None:
        logs = logs.filter(performed_on__lte=date_to)
    return _with_sets(logs).order_by("-performed_on", "-id")


def workout_log_get(*, user, log_id) -> WorkoutLog:
    _require_reader(user)
    try:
        return _with_sets(WorkoutLog.objects.filter(client__in=coached_clients(user))).get(
            pk=log_id
        )
    except (WorkoutLog.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such workout.") from exc


# --- Records ------------------------------------------------------------------------------------


@dataclass
class ExerciseRecords:
    """One exercise's records: estimated 1RM, best workout volume, best load per rep count."""

    exercise: object
    e1rm: PersonalRecord | None = None
    volume: PersonalRecord | None = None
    by_reps: list[PersonalRecord] = field(default_factory=list)


def personal_records(*, user, client_id) -> QuerySet[PersonalRecord]:
    """The client's current records, by exercise name, kind and reps (one query)."""
    client = training_client_get(user=user, client_id=client_id)
    return (
        PersonalRecord.objects.filter(client=client)
        .select_related("exercise", "logged_set")
        .order_by("exercise__name", "exercise_id", "kind", "reps")
    )


def records_by_exercise(rows: list[PersonalRecord]) -> list[ExerciseRecords]:
    grouped: dict[int, ExerciseRecords] = {}
    for record in rows:
        entry = grouped.setdefault(record.exercise_id, ExerciseRecords(record.exercise))
        if record.kind == RecordKind.E1RM:
            entry.e1rm = record
        elif record.kind == RecordKind.VOLUME:
            entry.volume = record
        else:
            entry.by_reps.append(record)
    return list(grouped.values())


# --- Plans: this week's days and loads --------------------------------------------------------


@dataclass
class PlannedSet:
    program_set: ProgramSet
    reps: int | None
    load: object  # Decimal | None, in `unit`
    unit: str

    @property
    def reps_text(self) -> str:
        s = self.program_set
        if s.reps_min and s.reps_max and s.reps_min != s.reps_max:
            return f"{s.reps_min}-{s.reps_max}"
        return str(s.reps_max or s.reps_min or "")

    @property
    def load_text(self) -> str:
        """The planned load for people: 102.5 kg, 75% 1RM, or empty without a load."""
        if self.load is None:
            return ""
        if self.unit == LoadUnit.PERCENT_1RM:
            return f"{records.shown(self.load, records.CENT)}% 1RM"
        return f"{records.shown(self.load, records.CENT)} {self.unit}"

    @property
    def loggable_unit(self) -> str:
        return self.unit if self.unit in (LoadUnit.KG, LoadUnit.LB) else LoadUnit.KG

    @property
    def loggable_load(self):
        return self.load if self.unit in (LoadUnit.KG, LoadUnit.LB) else None


@dataclass
class PlannedExercise:
    program_exercise: ProgramExercise
    sets: list[PlannedSet]

    @property
    def exercise(self):
        return self.program_exercise.exercise


@dataclass
class DayPlan:
    day: ProgramDay
    exercises: list[PlannedExercise]
    done: bool = False
    week_plan: WeekPlan | None = None


@dataclass
class WeekPlan:
    program: Program
    week_index: int
    week: ProgramWeek
    starts_on: date
    days: list[DayPlan]

    @property
    def next_day(self) -> DayPlan | None:
        return next((d for d in self.days if not d.done), None)


def _days_with_sets(week_ids) -> QuerySet[ProgramDay]:
    return (
        ProgramDay.objects.filter(week_id__in=week_ids)
        .order_by("position", "id")
        .prefetch_related(
            Prefetch(
                "exercises",
                queryset=ProgramExercise.objects.select_related("exercise")
                .order_by("position", "id")
                .prefetch_related(
                    Prefetch("sets", queryset=ProgramSet.objects.order_by("position", "id"))
                ),
            )
        )
    )


def _day_plan(day: ProgramDay, week_index: int) -> DayPlan:
    exercises = []
    for entry in day.exercises.all():
        planned = []
        for program_set in entry.sets.all():
            program_set.program_exercise = entry
            planned.append(
                PlannedSet(
                    program_set=program_set,
                    reps=program_set.reps_max or program_set.reps_min,
                    load=planned_load(program_set, week_index),
                    unit=program_set.load_unit,
                )
            )
        exercises.append(PlannedExercise(entry, planned))
    return DayPlan(day, exercises)


def client_programs(*, user, client: Client) -> list[Program]:
    """The client's copies of programs: active first, then the newest."""
    training_client_get(user=user, client_id=client.pk)
    return list(
        Program.objects.filter(client=client)
        .exclude(status=ProgramStatus.DRAFT)
        .select_related("trainer__user")
        .prefetch_related("weeks")
        .order_by("status", "-start_date", "-id")
    )


def week_plan(
    *, user, client: Client, program_id=None, on_date: date | None = None
) -> WeekPlan | None:
    """The week of `client`'s active program (the latest started, or `program_id`) on a date.

    Each day with its exercises, the sets' loads progressed to that week, and whether
    it has been logged for that week. None without an active program running that day.
    """
    training_client_get(user=user, client_id=client.pk)
    on_date = on_date or timezone.localdate()
    programs = Program.objects.filter(
        client=client, status=ProgramStatus.ACTIVE, start_date__lte=on_date
    ).prefetch_related("weeks")
    if program_id is not None:
        programs = programs.filter(pk=program_id)
    program = programs.order_by("-start_date", "-id").first()
    if program is None:
        return None
    found = program_week_for(program, on_date)
    if found is None:
        return None
    week_index, week = found
    logged = set(
        WorkoutLog.objects.filter(
            program=program, week_index=week_index, program_day__isnull=False
        ).values_list("program_day_id", flat=True)
    )
    days = [_day_plan(day, week_index) for day in _days_with_sets([week.pk])]
    for plan in days:
        plan.done = plan.day.pk in logged
    return WeekPlan(
        program=program,
        week_index=week_index,
        week=week,
        starts_on=program.start_date + timedelta(weeks=week_index),
        days=days,
    )


def today_plan(*, user, client: Client, day_id=None) -> DayPlan | None:
    """The day to do next: the first day of this program week not logged this week.

    With `day_id`, that day of this week instead (a client who does day B first).
    None when there is no active program today, or every day of the week is done.
    """
    plan = week_plan(user=user, client=client)
    if plan is None:
        return None
    if day_id is not None:
        chosen = next((d for d in plan.days if str(d.day.pk) == str(day_id)), None)
        if chosen is None:
            raise NotFound("No such day in this week of the program.")
    else:
        chosen = plan.next_day
    if chosen is not None:
        chosen.week_plan = plan
    return chosen


def day_plan(
    *, user, client: Client, day_id, on_date: date | None = None, active_only: bool = True
) -> DayPlan:
    """A day of one of `client`'s active programs (any of their programs with
    `active_only=False`, to edit a past log), its loads for the week of `on_date`."""
    training_client_get(user=user, client_id=client.pk)
    on_date = on_date or timezone.localdate()
    weeks = ProgramWeek.objects.filter(program__client=client)
    if active_only:
        weeks = weeks.filter(program__status=ProgramStatus.ACTIVE)
    day = (
        _days_with_sets(weeks.values("pk"))
        .select_related("week__program")
        .filter(pk=day_id)
        .first()
        if str(day_id).isdigit()
        else None
    )
    if day is None:
        raise NotFound("No such day in this client's active programs.")
    week_index = week_index_for(day.week.program.start_date, on_date) or 0
    return _day_plan(day, week_index)


# --- Adherence ----------------------------------------------------------------------------------


@dataclass
class WeekAdherence:
    index: int
    program_week: int
    starts_on: date
    planned: int
    completed: int
    current: bool

    @property
    def percent(self) -> int | None:
        if not self.planned:
            return None
        return round(100 * min(self.completed, self.planned) / self.planned)


@dataclass
class ProgramAdherence:
    program: Program
    client: Client
    weeks: list[WeekAdherence]

    @property
    def this_week(self) -> WeekAdherence | None:
        return next((w for w in self.weeks if w.current), None)

    @property
    def past(self) -> list[WeekAdherence]:
        return [w for w in self.weeks if not w.current]

    @property
    def planned(self) -> int:
        return sum(w.planned for w in self.past)

    @property
    def completed(self) -> int:
        return sum(min(w.completed, w.planned) for w in self.past)

    @property
    def percent(self) -> int | None:
        """Over the finished weeks shown (the current week is still going)."""
        return round(100 * self.completed / self.planned) if self.planned else None


def adherence_programs(*, user, client_id=None) -> QuerySet[Program]:
    """Active client copies `user` may see (of one client, or all of theirs), by client name."""
    _require_reader(user)
    if client_id is not None:
        training_client_get(user=user, client_id=client_id)
    programs = Program.objects.filter(client__in=coached_clients(user), status=ProgramStatus.ACTIVE)
    if client_id is not None:
        programs = programs.filter(client_id=client_id)
    return programs.select_related("client", "trainer__user").order_by(
        "client__last_name", "client__first_name", "client_id", "-start_date", "id"
    )


def adherence_for(programs, *, weeks: int = 8, today: date | None = None) -> list[ProgramAdherence]:
    """Planned versus done for the last `weeks` weeks of each program: three queries in all."""
    today = today or timezone.localdate()
    weeks = max(1, min(weeks, MAX_ADHERENCE_WEEKS))
    programs = list(programs)
    ids = [p.pk for p in programs]
    day_counts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in (
        ProgramWeek.objects.filter(program_id__in=ids or [0])
        .annotate(day_count=Count("days"))
        .values("program_id", "number", "day_count")
    ):
        day_counts[row["program_id"]].append((row["number"], row["day_count"]))
    done: dict[tuple[int, int], int] = {}
    for row in (
        WorkoutLog.objects.filter(
            program_id__in=ids or [0], program_day__isnull=False, week_index__isnull=False
        )
        .values("program_id", "week_index")
        .annotate(days=Count("program_day", distinct=True))
    ):
        done[(row["program_id"], row["week_index"])] = row["days"]
    result = []
    for program in programs:
        per_week = [count for _number, count in sorted(day_counts[program.pk])]
        last_day = min(today, program.end_date) if program.end_date else today
        current = week_index_for(program.start_date, last_day)
        rows = []
        if per_week and current is not None:
            for k in range(max(0, current - weeks + 1), current + 1):
                number = program_week_number(k, len(per_week))
                rows.append(
                    WeekAdherence(
                        index=k,
                        program_week=number,
                        starts_on=program.start_date + timedelta(weeks=k),
                        planned=per_week[number - 1],
                        completed=done.get((program.pk, k), 0),
                        current=k == current and last_day == today,
                    )
                )
        result.append(ProgramAdherence(program, program.client, list(reversed(rows))))
    return result


def adherence(*, user, client_id=None, weeks: int = 8) -> list[ProgramAdherence]:
    """Per active copy and week: planned sessions, completed sessions and the percentage.

    Of one client (NotFound when `user` may not see them), or of every client `user`
    coaches with an active program (the trainer's overview), in four queries.
    """
    return adherence_for(adherence_programs(user=user, client_id=client_id), weeks=weeks)
