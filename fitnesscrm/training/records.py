"""The arithmetic of lifting: kg and lb, set volume, and the estimated one-rep max.

Pure functions on `Decimal`, so that the same numbers come out of the logging
service, the pages and the API, and so that they can be tested on their own.

Estimated 1RM uses Epley's formula, load x (1 + reps / 30), with one rep counting
as the load itself (Epley would add 3.3 % to a true single). Above 12 reps no
estimate is made: the formulas drift apart quickly past a dozen reps (a set of 20
says more about endurance than about maximal strength), so such a set sets no
estimated-1RM record; it still counts for volume.
"""

from decimal import ROUND_HALF_UP, Decimal

# The international avoirdupois pound, exactly (1959 agreement).
KG_PER_LB = Decimal("0.45359237")
# The highest rep count that gives an estimated 1RM (and a "best load for N reps" record).
MAX_E1RM_REPS = 12
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

KG = "kg"
LB = "lb"


def round_kg(value: Decimal) -> Decimal:
    """To the hundredth, half up: how loads, estimates and volumes are stored."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_kg(load: Decimal, unit: str) -> Decimal:
    """`load` in `unit` ("kg" or "lb") as kg, exact (not rounded)."""
    load = Decimal(load)
    if unit == KG:
        return load
    if unit == LB:
        return load * KG_PER_LB
    raise ValueError(f"Loads are logged in kg or lb, not {unit!r}.")


def from_kg(kg: Decimal, unit: str) -> Decimal:
    """`kg` expressed in `unit` ("kg" or "lb"), exact (not rounded)."""
    kg = Decimal(kg)
    if unit == KG:
        return kg
    if unit == LB:
        return kg / KG_PER_LB
    raise ValueError(f"Loads are shown in kg or lb, not {unit!r}.")


def estimated_1rm(load_kg: Decimal | None, reps: int | None) -> Decimal | None:
    """Epley's estimate for `reps` at `load_kg`, rounded to 0.01 kg.

    None when there is nothing to estimate from: no load or a load of 0 (body
    weight), no reps, or more than MAX_E1RM_REPS reps.
    """
    if load_kg is None or reps is None or reps < 1 or reps > MAX_E1RM_REPS:
        return None
    load_kg = Decimal(load_kg)
    if load_kg <= 0:
        return None
    if reps == 1:
        return round_kg(load_kg)
    return round_kg(load_kg * (30 + reps) / 30)


def set_volume(load_kg: Decimal | None, reps: int | None) -> Decimal:
    """Reps x load of one set, in kg (0 when either is missing)."""
    if load_kg is None or not reps:
        return Decimal("0")
    return Decimal(load_kg) * reps


def shown(value: Decimal | None, places: Decimal = TENTH) -> str:
    """A load for people: 142.5, 100 (no trailing zeros), to a tenth by default."""
    if value is None:
        return ""
    text = f"{Decimal(value).quantize(places, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def lb_alongside(kg: Decimal | None) -> str:
    """A kg value as lb for showing beside it, to a tenth."""
    if kg is None:
        return ""
    return shown(from_kg(kg, LB))
