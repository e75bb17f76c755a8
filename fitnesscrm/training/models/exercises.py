"""The exercise library: shipped exercises (`library_key` set) and the business's own."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Category(models.TextChoices):
    STRENGTH = "strength", "Strength"
    OLYMPIC = "olympic", "Olympic lifting"
    PLYOMETRIC = "plyometric", "Plyometric"
    CARDIO = "cardio", "Cardio"
    MOBILITY = "mobility", "Mobility"
    STRETCHING = "stretching", "Stretching"
    CORE = "core", "Core"
    CONDITIONING = "conditioning", "Conditioning"


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class Tracking(models.TextChoices):
    """What a set of the exercise records: it decides the fields of the prescription and log."""

    WEIGHT_REPS = "weight_reps", "Weight and reps"
    REPS = "reps", "Reps (body weight)"
    TIME = "time", "Time"
    DISTANCE_TIME = "distance_time", "Distance and time"


class MuscleGroup(models.Model):
    """A muscle group (shipped list; `slug` is what the exercise data refers to)."""

    slug = models.SlugField("key", max_length=40, unique=True)
    name = models.CharField("name", max_length=60, unique=True)

    class Meta:
        verbose_name = "muscle group"
        verbose_name_plural = "muscle groups"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    """A piece of equipment (shipped list, like the muscle groups)."""

    slug = models.SlugField("key", max_length=40, unique=True)
    name = models.CharField("name", max_length=60, unique=True)

    class Meta:
        verbose_name = "equipment"
        verbose_name_plural = "equipment"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Exercise(models.Model):
    name = models.CharField("name", max_length=120)
    # Set for the exercises shipped with FitnessCRM (data/exercises.json), so that a later
    # release can update them; empty for the business's own exercises.
    library_key = models.SlugField("library key", max_length=120, blank=True)
    category = models.CharField(
        "category", max_length=20, choices=Category.choices, default=Category.STRENGTH
    )
    level = models.CharField("level", max_length=20, choices=Level.choices, default=Level.BEGINNER)
    tracking = models.CharField(
        "tracked as", max_length=20, choices=Tracking.choices, default=Tracking.WEIGHT_REPS
    )
    primary_muscles = models.ManyToManyField(
        MuscleGroup, verbose_name="primary muscles", related_name="primary_for"
    )
    secondary_muscles = models.ManyToManyField(
        MuscleGroup, verbose_name="secondary muscles", blank=True, related_name="secondary_for"
    )
    equipment = models.ManyToManyField(
        Equipment, verbose_name="equipment", blank=True, related_name="exercises"
    )
    instructions = models.TextField("instructions", max_length=4000, blank=True)
    image = models.ImageField("image", upload_to="training/exercises/", blank=True)
    video_url = models.URLField("video link", max_length=500, blank=True)
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
        verbose_name = "exercise"
        verbose_name_plural = "exercises"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="exercise_name_ci_unique",
                violation_error_message="An exercise with this name already exists.",
            ),
            models.UniqueConstraint(
                fields=["library_key"],
                condition=~models.Q(library_key=""),
                name="exercise_library_key_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=Category.values), name="exercise_category_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=Level.values), name="exercise_level_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(tracking__in=Tracking.values), name="exercise_tracking_valid"
            ),
        ]
        indexes = [
            # The library page filters live exercises by category and level, sorted by name.
            models.Index(
                fields=["category", "level", "name"],
                name="exercise_live_category",
                condition=models.Q(archived_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_custom(self) -> bool:
        """One of the business's own exercises (not shipped with FitnessCRM)."""
        return not self.library_key
