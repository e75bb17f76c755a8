"""Goals: a measure to move from a start value to a target by a date, with milestones.

Progress is never typed: it is read from the client's measurements (body
measures) or workout logs (estimated 1RM of an exercise, workouts done), and is
(current - start) / (target - start), so it works for measures that should fall
(weight 90 -> 80 kg: 85 kg is 50 %) as for those that should rise.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class GoalMetric(models.TextChoices):
    WEIGHT = "weight_kg", "Weight"
    BODY_FAT = "body_fat_pct", "Body fat"
    MUSCLE_MASS = "muscle_mass_kg", "Muscle mass"
    RESTING_HR = "resting_hr", "Resting heart rate"
    CHEST = "chest_cm", "Chest"
    WAIST = "waist_cm", "Waist"
    HIPS = "hips_cm", "Hips"
    ARM = "arm_cm", "Arm"
    THIGH = "thigh_cm", "Thigh"
    CALF = "calf_cm", "Calf"
    # From the workout logs.
    E1RM = "e1rm_kg", "Estimated 1RM of an exercise"
    WORKOUTS = "workouts", "Workouts done"


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"
    ABANDONED = "abandoned", "Abandoned"


class Goal(models.Model):
    client = models.ForeignKey(
        "clients.Client", verbose_name="client", on_delete=models.CASCADE, related_name="goal_set"
    )
    title = models.CharField("title", max_length=120)
    metric = models.CharField("measure", max_length=20, choices=GoalMetric.choices)
    # For an estimated-1RM goal.
    exercise = models.ForeignKey(
        "training.Exercise",
        verbose_name="exercise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    # In the metric's stored unit (kg, cm, %, bpm, or a count of workouts).
    start_value = models.DecimalField("start value", max_digits=8, decimal_places=2)
    target_value = models.DecimalField("target value", max_digits=8, decimal_places=2)
    start_date = models.DateField("start date")
    target_date = models.DateField("target date")
    status = models.CharField(
        "status", max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    achieved_on = models.DateField("achieved on", null=True, blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "goal"
        verbose_name_plural = "goals"
        ordering = ["status", "target_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(start_value=models.F("target_value")),
                name="goal_target_differs_from_start",
                violation_error_message="The target must differ from the start value.",
            ),
            models.CheckConstraint(
                condition=Q(target_date__gt=models.F("start_date")),
                name="goal_target_date_after_start",
            ),
            models.CheckConstraint(
                condition=Q(metric__in=GoalMetric.values), name="goal_metric_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="goal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(metric="e1rm_kg", exercise__isnull=False)
                | (~Q(metric="e1rm_kg") & Q(exercise__isnull=True)),
                name="goal_exercise_iff_e1rm",
            ),
        ]
        indexes = [
            # A client's goals (client page, portal); the periodic check of active goals.
            models.Index(fields=["client", "status"], name="goal_client_status"),
            models.Index(
                fields=["target_date"], name="goal_active_due", condition=Q(status="active")
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_decreasing(self) -> bool:
        return self.target_value < self.start_value


class GoalMilestone(models.Model):
    """A step on the way (e.g. 87.5 kg); reached when the goal's current value passes it."""

    goal = models.ForeignKey(
        Goal, verbose_name="goal", on_delete=models.CASCADE, related_name="milestones"
    )
    label = models.CharField("label", max_length=80, blank=True)
    value = models.DecimalField("value", max_digits=8, decimal_places=2)
    reached_on = models.DateField("reached on", null=True, blank=True)

    class Meta:
        verbose_name = "milestone"
        verbose_name_plural = "milestones"
        ordering = ["goal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "value"], name="goal_milestone_unique"),
        ]

    def __str__(self) -> str:
        return self.label or str(self.value)
