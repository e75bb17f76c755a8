"""Workout programs: weeks of days, each day a list of exercises with a prescription per set.

A program with no client is one of the business's programs (a template when
`is_template`). Assigning it to a client copies it whole: the client's copy has
`client`, `source` (the program it came from) and a start date, and can be changed
without touching the original.

Calendar week k of an assignment (k = 0 in the week of `start_date`) runs program
week (k mod weeks) + 1, and each exercise's `progression_step` is added k times to
the load of its sets: a one-week program with +2.5 kg runs 2.5 kg heavier every week.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

MAX_WEEKS = 52
MAX_DAYS_PER_WEEK = 7
MAX_EXERCISES_PER_DAY = 30
MAX_SETS_PER_EXERCISE = 20

tempo_validator = RegexValidator(
    r"^[0-9X]-[0-9X]-[0-9X]-[0-9X]$",
    "Write tempo as four digits or X, like 3-1-1-0 (down, pause, up, pause).",
)


class LoadUnit(models.TextChoices):
    KG = "kg", "kg"
    LB = "lb", "lb"
    PERCENT_1RM = "pct_1rm", "% of 1RM"


class ProgramStatus(models.TextChoices):
    """Of a client's copy; the business's own programs are always `draft`."""

    DRAFT = "draft", "Not assigned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class ProgramTag(models.Model):
    name = models.CharField("name", max_length=40, unique=True)

    class Meta:
        verbose_name = "program tag"
        verbose_name_plural = "program tags"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    name = models.CharField("name", max_length=120)
    description = models.TextField("description", max_length=4000, blank=True)
    tags = models.ManyToManyField(
        ProgramTag, verbose_name="tags", blank=True, related_name="programs"
    )
    is_template = models.BooleanField("template", default=False)
    # The trainer who coaches it (author of a template, coach of a client's copy).
    trainer = models.ForeignKey(
        "trainers.Trainer",
        verbose_name="trainer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programs",
    )
    # Set on a client's copy only.
    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="programs",
    )
    source = models.ForeignKey(
        "self",
        verbose_name="copied from",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    status = models.CharField(
        "status", max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    start_date = models.DateField("start date", null=True, blank=True)
    end_date = models.DateField("end date", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="assigned by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    archived_at = models.DateTimeField("archived", null=True, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "program"
        verbose_name_plural = "programs"
        ordering = ["name", "id"]
        constraints = [
            # A client's copy has a start date and a status other than draft; the
            # business's programs have neither.
            models.CheckConstraint(
                condition=(
                    Q(client__isnull=True, start_date__isnull=True, status="draft")
                    | (Q(client__isnull=False, start_date__isnull=False) & ~Q(status="draft"))
                ),
                name="program_client_copy_shape",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="program_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProgramStatus.values), name="program_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=True) | Q(is_template=False),
                name="program_client_copy_not_template",
            ),
        ]
        indexes = [
            # The program library: live business programs by name.
            models.Index(
                fields=["is_template", "name"],
                name="program_library",
                condition=Q(client__isnull=True, archived_at__isnull=True),
            ),
            # A client's programs, newest first (client page, portal, /clients/{id}/programs).
            models.Index(fields=["client", "-start_date"], name="program_client_start"),
            # Adherence: the active copies coached by a trainer.
            models.Index(fields=["trainer", "status"], name="program_trainer_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_client_copy(self) -> bool:
        return self.client_id is not None


class ProgramWeek(models.Model):
    program = models.ForeignKey(
        Program, verbose_name="program", on_delete=models.CASCADE, related_name="weeks"
    )
    number = models.PositiveSmallIntegerField(
        "week", validators=[MinValueValidator(1), MaxValueValidator(MAX_WEEKS)]
    )
    notes = models.TextField("notes", max_length=2000, blank=True)

    class Meta:
        verbose_name = "program week"
        verbose_name_plural = "program weeks"
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="program_week_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=MAX_WEEKS), name="program_week_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Week {self.number}"


class ProgramDay(models.Model):
    week = models.ForeignKey(
        ProgramWeek, verbose_name="week", on_delete=models.CASCADE, related_name="days"
    )
    position = models.PositiveSmallIntegerField("position", default=1)
    name = models.CharField("name", max_length=80, blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)

    class Meta:
        verbose_name = "program day"
        verbose_name_plural = "program days"
        ordering = ["week", "position", "id"]
        indexes = [models.Index(fields=["week", "position"], name="program_day_order")]

    def __str__(self) -> str:
        return self.name or f"Day {self.position}"


class ProgramExercise(models.Model):
    """An exercise on a day, in order; exercises sharing a superset label are done back to back."""

    day = models.ForeignKey(
        ProgramDay, verbose_name="day", on_delete=models.CASCADE, related_name="exercises"
    )
    exercise = models.ForeignKey(
        "training.Exercise",
        verbose_name="exercise",
        on_delete=models.PROTECT,
        related_name="program_entries",
    )
    position = models.PositiveSmallIntegerField("position", default=1)
    superset = models.CharField(
        "superset",
        max_length=1,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]$", "A superset is a capital letter, A to Z.")],
    )
    notes = models.TextField("notes", max_length=1000, blank=True)
    # Added to the load of every set once per week since the assignment started
    # (in the unit of the set's load; not applied to % of 1RM).
    progression_step = models.DecimalField(
        "progression per week",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("-50")), MaxValueValidator(Decimal("50"))],
    )

    class Meta:
        verbose_name = "program exercise"
        verbose_name_plural = "program exercises"
        ordering = ["day", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(superset="") | Q(superset__regex=r"^[A-Z]$"),
                name="program_exercise_superset_letter",
            ),
            models.CheckConstraint(
                condition=Q(progression_step__gte=-50, progression_step__lte=50),
                name="program_exercise_progression_range",
            ),
        ]
        indexes = [models.Index(fields=["day", "position"], name="program_exercise_order")]

    def __str__(self) -> str:
        return str(self.exercise)


class ProgramSet(models.Model):
    """The prescription of one set: any of reps, load, effort, tempo, rest, time, distance."""

    program_exercise = models.ForeignKey(
        ProgramExercise, verbose_name="exercise", on_delete=models.CASCADE, related_name="sets"
    )
    position = models.PositiveSmallIntegerField("set", default=1)
    is_warmup = models.BooleanField("warm-up", default=False)
    reps_min = models.PositiveSmallIntegerField(
        "reps (from)", null=True, blank=True, validators=[MaxValueValidator(500)]
    )
    reps_max = models.PositiveSmallIntegerField(
        "reps (to)", null=True, blank=True, validators=[MaxValueValidator(500)]
    )
    load = models.DecimalField(
        "load",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    load_unit = models.CharField(
        "load unit", max_length=8, choices=LoadUnit.choices, default=LoadUnit.KG
    )
    rpe = models.DecimalField(
        "RPE",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
    )
    rir = models.PositiveSmallIntegerField(
        "reps in reserve", null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    tempo = models.CharField("tempo", max_length=7, blank=True, validators=[tempo_validator])
    rest_seconds = models.PositiveIntegerField(
        "rest (s)", null=True, blank=True, validators=[MaxValueValidator(3600)]
    )
    duration_seconds = models.PositiveIntegerField(
        "duration (s)", null=True, blank=True, validators=[MaxValueValidator(86400)]
    )
    distance_m = models.PositiveIntegerField(
        "distance (m)", null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )

    class Meta:
        verbose_name = "program set"
        verbose_name_plural = "program sets"
        ordering = ["program_exercise", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reps_min__isnull=True)
                | Q(reps_max__isnull=True)
                | Q(reps_min__lte=models.F("reps_max")),
                name="program_set_rep_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(load__isnull=True) | Q(load__gte=0, load__lte=1000),
                name="program_set_load_range",
            ),
            models.CheckConstraint(
                condition=Q(load_unit__in=LoadUnit.values), name="program_set_load_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(rpe__isnull=True) | Q(rpe__gte=1, rpe__lte=10),
                name="program_set_rpe_range",
            ),
            models.CheckConstraint(
                condition=Q(rir__isnull=True) | Q(rir__lte=10), name="program_set_rir_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Set {self.position}"
