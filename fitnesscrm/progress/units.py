"""Units: measurements are stored in metric and shown in the business's unit system.

Weights and muscle mass are kg or lb (1 lb = 0.45359237 kg exactly), lengths (height,
circumferences) cm or in (1 in = 2.54 cm exactly); body fat (%), heart rate (bpm) and
blood pressure (mmHg) are the same in both systems.

What is typed in imperial is converted back to metric and rounded to what the database
keeps (0.1 kg, 0.1 cm). Imperial values in a form are shown with two decimals, so a
measurement opened and saved again without a change keeps its stored value exactly
(0.1 kg is 0.22 lb: one decimal in lb could not say every stored value).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fitnesscrm.progress.models.measurements import LIMITS, UnitSystem

KG_PER_LB = Decimal("0.45359237")
CM_PER_IN = Decimal("2.54")

WEIGHT_FIELDS = frozenset({"weight_kg", "muscle_mass_kg"})
LENGTH_FIELDS = frozenset(
    {"height_cm", "chest_cm", "waist_cm", "hips_cm", "arm_cm", "thigh_cm", "calf_cm"}
)
INTEGER_FIELDS = frozenset({"resting_hr", "bp_systolic", "bp_diastolic"})
CIRCUMFERENCE_FIELDS = ("chest_cm", "waist_cm", "hips_cm", "arm_cm", "thigh_cm", "calf_cm")
TENTH = Decimal("0.1")
EN_DASH = "\u2013"
HUNDREDTH = Decimal("0.01")


def kg_to_lb(kg: Decimal) -> Decimal:
    return Decimal(kg) / KG_PER_LB


def lb_to_kg(lb: Decimal) -> Decimal:
    return Decimal(lb) * KG_PER_LB


def cm_to_in(cm: Decimal) -> Decimal:
    return Decimal(cm) / CM_PER_IN


def in_to_cm(inches: Decimal) -> Decimal:
    return Decimal(inches) * CM_PER_IN


def round_to(value: Decimal, step: Decimal) -> Decimal:
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def unit_of(field: str, system: str) -> str:
    """The unit a value of `field` is shown and typed in: "kg", "lb", "cm", "in", "%", …"""
    stored = LIMITS[field][3]
    if system == UnitSystem.IMPERIAL:
        if field in WEIGHT_FIELDS:
            return "lb"
        if field in LENGTH_FIELDS:
            return "in"
    return stored


def to_display(field: str, value, system: str) -> Decimal | int | None:
    """A stored (metric) value in the business's units, unrounded (None stays None)."""
    if value is None:
        return None
    if field in INTEGER_FIELDS:
        return int(value)
    value = Decimal(value)
    if system == UnitSystem.IMPERIAL:
        if field in WEIGHT_FIELDS:
            return kg_to_lb(value)
        if field in LENGTH_FIELDS:
            return cm_to_in(value)
    return value


def display_value(field: str, value, system: str, *, places: int = 1) -> Decimal | int | None:
    """A stored value in the business's units, rounded for showing (one decimal by default)."""
    shown = to_display(field, value, system)
    if shown is None or isinstance(shown, int):
        return shown
    return round_to(shown, Decimal(1).scaleb(-places))


def format_value(field: str, value, system: str) -> str:
    """ "85.0 kg", "187.4 lb", "72 bpm", "" for no value."""
    shown = display_value(field, value, system)
    if shown is None:
        return ""
    unit = unit_of(field, system)
    return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}"


def form_value(field: str, value, system: str) -> Decimal | int | None:
    """A stored value as a form shows it for editing: exact enough to save back unchanged."""
    places = 2 if system == UnitSystem.IMPERIAL and field not in INTEGER_FIELDS else 1
    return display_value(field, value, system, places=places)


class UnitError(ValueError):
    """A typed value that is not a number, or not a whole number where one is needed."""


def to_metric(field: str, typed, system: str) -> Decimal | int | None:
    """A value typed in the business's units, as stored: metric, rounded to 0.1 (or 1).

    Raises UnitError for something that is not a number.
    """
    if typed is None or (isinstance(typed, str) and not typed.strip()):
        return None
    try:
        value = Decimal(str(typed).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise UnitError("Enter a number.") from exc
    if not value.is_finite():
        raise UnitError("Enter a number.")
    if field in INTEGER_FIELDS:
        if value != value.to_integral_value():
            raise UnitError("Enter a whole number.")
        return int(value)
    if system == UnitSystem.IMPERIAL:
        if field in WEIGHT_FIELDS:
            value = lb_to_kg(value)
        elif field in LENGTH_FIELDS:
            value = in_to_cm(value)
    # Values far out of range are refused by the limits; keep them finite and comparable.
    if abs(value) >= Decimal("1e9"):
        return value
    return round_to(value, TENTH)


def _whole(value: Decimal) -> str:
    return f"{round_to(value, Decimal(1)):,}"


def range_message(field: str) -> str:
    """ "Weight must be between 20 and 400 kg (44 to 882 lb, with an en dash)." """
    label, low, high, unit = LIMITS[field]
    message = f"{label} must be between {_whole(low)} and {_whole(high)} {unit}"
    if field in WEIGHT_FIELDS:
        message += f" ({_whole(kg_to_lb(low))}{EN_DASH}{_whole(kg_to_lb(high))} lb)"
    elif field in LENGTH_FIELDS:
        message += f" ({_whole(cm_to_in(low))}{EN_DASH}{_whole(cm_to_in(high))} in)"
    return message.replace(" %", "%") + "."


def in_range(field: str, value) -> bool:
    _label, low, high, _unit = LIMITS[field]
    return low <= Decimal(value) <= high


def bmi(weight_kg, height_cm) -> Decimal | None:
    """Body mass index, kg / m², to one decimal; None without a weight or a height."""
    if weight_kg is None or height_cm is None:
        return None
    metres = Decimal(height_cm) / 100
    if metres <= 0:
        return None
    return round_to(Decimal(weight_kg) / (metres * metres), TENTH)


@dataclass(frozen=True)
class Units:
    """The business's unit system, with its labels, for templates and charts."""

    system: str

    @property
    def weight(self) -> str:
        return unit_of("weight_kg", self.system)

    @property
    def length(self) -> str:
        return unit_of("chest_cm", self.system)

    @property
    def imperial(self) -> bool:
        return self.system == UnitSystem.IMPERIAL

    def unit(self, field: str) -> str:
        return unit_of(field, self.system)

    def show(self, field: str, value) -> str:
        return format_value(field, value, self.system)

    def number(self, field: str, value):
        return display_value(field, value, self.system)

    def weight_kg(self, kg) -> Decimal | None:
        """A weight in kg (a lift, a volume) in the business's weight unit, one decimal."""
        return display_value("weight_kg", kg, self.system)


def current_units() -> Units:
    from fitnesscrm.progress.models import ProgressSettings

    return Units(ProgressSettings.load().unit_system)
