"""What a client actually did: workout logs, their sets, and the personal records they set."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from fitnesscrm.training.models.programs import LoadUnit

# Loads are logged in kg or lb, never in % of 1RM.
LOGGED_LOAD_UNITS = (LoadUnit.KG, LoadUnit.LB)


class WorkoutLog(models.Model):
    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.CASCADE,
        related_name="workout_logs",
    )
    # The client's copy of a program and the day done; both empty for a workout off-plan.
    program = models.ForeignKey(
        "training.Program",
        verbose_name="program",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
    )
    program_day = models.ForeignKey(
        "training.ProgramDay",
        verbose_name="program day",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
    )
    # Calendar week of the assignment the workout counts for (0 = the first week).
    week_index = models.PositiveSmallIntegerField("week of program", null=True, blank=True)
    performed_on = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (min)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    session_rpe = models.DecimalField(
        "session RPE",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
    )
    notes = models.TextField("notes", max_length=4000, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="logged by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "workout log"
        verbose_name_plural = "workout logs"
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(program_day__isnull=True) | Q(program__isnull=False),
                name="workout_log_day_needs_program",
            ),
        ]
        indexes = [
            # A client's logs, newest first (client page, portal, API list).
            models.Index(fields=["client", "-performed_on"], name="workout_log_client_date"),
            # Adherence: the logs of a program by week.
            models.Index(fields=["program", "week_index"], name="workout_log_program_week"),
        ]

    def __str__(self) -> str:
        return f"{self.performed_on} workout"


class LoggedSet(models.Model):
    log = models.ForeignKey(
        WorkoutLog, verbose_name="workout", on_delete=models.CASCADE, related_name="sets"
    )
    exercise = models.ForeignKey(
        "training.Exercise",
        verbose_name="exercise",
        on_delete=models.PROTECT,
        related_name="logged_sets",
    )
    # The planned set this one answers; empty for an extra set.
    program_set = models.ForeignKey(
        "training.ProgramSet",
        verbose_name="planned set",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logged",
    )
    position = models.PositiveSmallIntegerField("order", default=1)
    completed = models.BooleanField("done", default=True)
    reps = models.PositiveSmallIntegerField(
        "reps", null=True, blank=True, validators=[MaxValueValidator(500)]
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
        "load unit",
        max_length=8,
        choices=[(unit.value, unit.label) for unit in LOGGED_LOAD_UNITS],
        default=LoadUnit.KG,
    )
    rpe = models.DecimalField(
        "RPE",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))],
    )
    duration_seconds = models.PositiveIntegerField(
        "duration (s)", null=True, blank=True, validators=[MaxValueValidator(86400)]
    )
    distance_m = models.PositiveIntegerField(
        "distance (m)", null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    notes = models.CharField("notes", max_length=500, blank=True)
    # Derived when saved by the service, in kg whatever the unit logged: what records,
    # charts and volume read without converting each row.
    load_kg = models.DecimalField(
        "load (kg)", max_digits=7, decimal_places=2, null=True, blank=True, editable=False
    )
    e1rm_kg = models.DecimalField(
        "estimated 1RM (kg)", max_digits=7, decimal_places=2, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = "logged set"
        verbose_name_plural = "logged sets"
        ordering = ["log", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(load__isnull=True) | Q(load__gte=0, load__lte=1000),
                name="logged_set_load_range",
            ),
            models.CheckConstraint(
                condition=Q(reps__isnull=True) | Q(reps__lte=500), name="logged_set_reps_range"
            ),
            models.CheckConstraint(
                condition=Q(rpe__isnull=True) | Q(rpe__gte=1, rpe__lte=10),
                name="logged_set_rpe_range",
            ),
            models.CheckConstraint(
                condition=Q(load_unit__in=[unit.value for unit in LOGGED_LOAD_UNITS]),
                name="logged_set_load_unit_valid",
            ),
        ]
        indexes = [
            # Lifts over time and records: a client's sets of one exercise (via the log).
            models.Index(fields=["exercise", "log"], name="logged_set_exercise_log"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} set {self.position}"


class RecordKind(models.TextChoices):
    E1RM = "e1rm", "Estimated 1RM"
    LOAD_FOR_REPS = "load_for_reps", "Best load for reps"
    VOLUME = "volume", "Best workout volume"


class PersonalRecord(models.Model):
    """A client's current best for an exercise, kept by the logging service.

    One row per (client, exercise, kind, reps): `reps` is the rep count of a
    "best load for reps" record and 0 for the other kinds. `value_kg` is the
    estimated 1RM, the load, or the volume (sum of reps x load over the workout).
    """

    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.CASCADE,
        related_name="personal_records",
    )
    exercise = models.ForeignKey(
        "training.Exercise",
        verbose_name="exercise",
        on_delete=models.CASCADE,
        related_name="records",
    )
    kind = models.CharField("record", max_length=20, choices=RecordKind.choices)
    reps = models.PositiveSmallIntegerField("reps", default=0)
    value_kg = models.DecimalField("value (kg)", max_digits=9, decimal_places=2)
    logged_set = models.ForeignKey(
        LoggedSet,
        verbose_name="set",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    log = models.ForeignKey(
        WorkoutLog, verbose_name="workout", on_delete=models.CASCADE, related_name="records"
    )
    achieved_on = models.DateField("date")

    class Meta:
        verbose_name = "personal record"
        verbose_name_plural = "personal records"
        ordering = ["exercise", "kind", "reps"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "exercise", "kind", "reps"], name="personal_record_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RecordKind.values), name="personal_record_kind_valid"
            ),
        ]
        indexes = [
            # "Recent PRs" on the client page and the portal.
            models.Index(fields=["client", "-achieved_on"], name="personal_record_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.exercise}"
