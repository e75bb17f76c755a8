"""Body measurements, stored in metric units and shown in the business's unit system.

The limits below are what a human body can measure; a value outside them is a
typing mistake (a weight of 0 or 2,000 kg, a body fat of 120 %), refused by the
form, the API and the database alike.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class UnitSystem(models.TextChoices):
    METRIC = "metric", "Metric (kg, cm)"
    IMPERIAL = "imperial", "Imperial (lb, in)"


class ProgressSettings(models.Model):
    """The business's choices for progress tracking (one row, created on first read)."""

    unit_system = models.CharField(
        "units", max_length=10, choices=UnitSystem.choices, default=UnitSystem.METRIC
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "progress settings"
        verbose_name_plural = "progress settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_system__in=UnitSystem.values), name="progress_units_valid"
            ),
        ]

    def __str__(self) -> str:
        return "Progress settings"

    @classmethod
    def load(cls) -> "ProgressSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


# field name -> (label, minimum, maximum, unit stored). Forms, the API, the database
# constraints and the charts all read this table.
LIMITS: dict[str, tuple[str, Decimal, Decimal, str]] = {
    "weight_kg": ("Weight", Decimal("20"), Decimal("400"), "kg"),
    "height_cm": ("Height", Decimal("90"), Decimal("250"), "cm"),
    "body_fat_pct": ("Body fat", Decimal("2"), Decimal("75"), "%"),
    "muscle_mass_kg": ("Muscle mass", Decimal("5"), Decimal("200"), "kg"),
    "resting_hr": ("Resting heart rate", Decimal("25"), Decimal("220"), "bpm"),
    "bp_systolic": ("Blood pressure (systolic)", Decimal("60"), Decimal("260"), "mmHg"),
    "bp_diastolic": ("Blood pressure (diastolic)", Decimal("30"), Decimal("160"), "mmHg"),
    "chest_cm": ("Chest", Decimal("40"), Decimal("250"), "cm"),
    "waist_cm": ("Waist", Decimal("40"), Decimal("250"), "cm"),
    "hips_cm": ("Hips", Decimal("40"), Decimal("250"), "cm"),
    "arm_cm": ("Arm", Decimal("10"), Decimal("100"), "cm"),
    "thigh_cm": ("Thigh", Decimal("20"), Decimal("150"), "cm"),
    "calf_cm": ("Calf", Decimal("10"), Decimal("100"), "cm"),
}
VALUE_FIELDS = tuple(LIMITS)


def _decimal(name: str, digits: int = 5, places: int = 1):
    label, low, high, _unit = LIMITS[name]
    return models.DecimalField(
        label,
        max_digits=digits,
        decimal_places=places,
        null=True,
        blank=True,
        validators=[MinValueValidator(low), MaxValueValidator(high)],
    )


def _integer(name: str):
    label, low, high, _unit = LIMITS[name]
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(int(low)), MaxValueValidator(int(high))],
    )


def _range_constraints() -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True})
            | Q(**{f"{name}__gte": low, f"{name}__lte": high}),
            name=f"measurement_{name}_range",
        )
        for name, (_label, low, high, _unit) in LIMITS.items()
    ]


class Measurement(models.Model):
    """One sitting on the scales and with the tape: any of the values, at least one."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    measured_on = models.DateField("date")
    weight_kg = _decimal("weight_kg")
    # The latest height on record is what BMI is computed from.
    height_cm = _decimal("height_cm")
    body_fat_pct = _decimal("body_fat_pct", digits=4)
    muscle_mass_kg = _decimal("muscle_mass_kg")
    resting_hr = _integer("resting_hr")
    bp_systolic = _integer("bp_systolic")
    bp_diastolic = _integer("bp_diastolic")
    chest_cm = _decimal("chest_cm")
    waist_cm = _decimal("waist_cm")
    hips_cm = _decimal("hips_cm")
    arm_cm = _decimal("arm_cm")
    thigh_cm = _decimal("thigh_cm")
    calf_cm = _decimal("calf_cm")
    notes = models.TextField("notes", max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="recorded by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "measurement"
        verbose_name_plural = "measurements"
        ordering = ["-measured_on", "-id"]
        constraints = [
            *_range_constraints(),
            models.CheckConstraint(
                condition=Q(bp_systolic__isnull=True)
                | Q(bp_diastolic__isnull=True)
                | Q(bp_systolic__gt=models.F("bp_diastolic")),
                name="measurement_bp_systolic_above_diastolic",
            ),
            models.CheckConstraint(
                condition=Q(bp_systolic__isnull=True, bp_diastolic__isnull=True)
                | Q(bp_systolic__isnull=False, bp_diastolic__isnull=False),
                name="measurement_bp_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(
                    *(Q(**{f"{name}__isnull": False}) for name in VALUE_FIELDS),
                    _connector=Q.OR,
                ),
                name="measurement_has_a_value",
            ),
        ]
        indexes = [
            # A client's measurements over time (charts, goal progress, the latest height).
            models.Index(fields=["client", "-measured_on"], name="measurement_client_date"),
        ]

    def __str__(self) -> str:
        return f"Measurement of {self.measured_on}"
