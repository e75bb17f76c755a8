"""The rules every program write shares: who may change a program, and what a set may prescribe.

Owners, managers and trainers build the business's programs; a client's copy is
changed by the staff who may see that client's training (a trainer only their own
clients'); anyone else is told the copy does not exist. An archived program is
read-only.
"""

import re
from decimal import Decimal, InvalidOperation

from django.db.models import Max

from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.training.access import coached_clients, coaches
from fitnesscrm.training.models import LoadUnit, Program
from fitnesscrm.training.models.programs import (
    MAX_DAYS_PER_WEEK,
    MAX_EXERCISES_PER_DAY,
    MAX_SETS_PER_EXERCISE,
    MAX_WEEKS,
)

__all__ = [
    "MAX_DAYS_PER_WEEK",
    "MAX_EXERCISES_PER_DAY",
    "MAX_SETS_PER_EXERCISE",
    "MAX_WEEKS",
    "SET_FIELDS",
    "clean_set",
    "field_error",
    "require_builder",
    "require_writable",
]

# Every field of a set's prescription, in the order forms and the API show them.
SET_FIELDS = (
    "is_warmup",
    "reps_min",
    "reps_max",
    "load",
    "load_unit",
    "rpe",
    "rir",
    "tempo",
    "rest_seconds",
    "duration_seconds",
    "distance_m",
)

MAX_REPS = 500
MAX_LOAD = Decimal("1000")
MAX_PERCENT_1RM = Decimal("150")
MAX_REST_SECONDS = 3600
MAX_DURATION_SECONDS = 86400
MAX_DISTANCE_M = 1_000_000
MAX_PROGRESSION = Decimal("50")
TEMPO = re.compile(r"^[0-9X]-[0-9X]-[0-9X]-[0-9X]$")


def field_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": field, "message": message}])


def require_builder(actor) -> None:
    """Only owners, managers and trainers write programs."""
    if not coaches(actor):
        raise Forbidden("Only owners, managers and trainers build programs.")


def require_writable(actor, program: Program) -> None:
    """`actor` may change `program`: a coach, and for a client's copy one who sees the client."""
    if (
        program.client_id is not None
        and not coached_clients(actor).filter(pk=program.client_id).exists()
    ):
        raise NotFound("No such program.")
    require_builder(actor)
    if program.archived_at is not None:
        raise Conflict("This program is archived; copy it to change it.")


def next_position(queryset, field: str = "position") -> int:
    return (queryset.aggregate(top=Max(field))["top"] or 0) + 1


# --- A set's prescription ----------------------------------------------------------------------


def _number(value, field: str, label: str, *, decimal: bool = False):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error(field, f"{label} must be a number.") from None
    if not number.is_finite():
        raise field_error(field, f"{label} must be a number.")
    if decimal:
        return number
    if number != number.to_integral_value():
        raise field_error(field, f"{label} must be a whole number.")
    return int(number)


def _within(value, low, high, field: str, message: str) -> None:
    if value is not None and not (low <= value <= high):
        raise field_error(field, message)


def clean_set(values: dict, *, current: dict | None = None) -> dict:
    """The prescription fields of `values`, checked; `current` holds the set's other fields.

    Raises an error naming the field for: a rep range from high to low, reps over 500,
    a load outside 0 to 1000 (or over 150 in % of 1RM), an RPE outside 1 to 10 or not in steps
    of 0.5, RIR outside 0 to 10, a tempo not like 3-1-1-0, rest over an hour, a duration over
    a day, a distance over 1000 km, both RPE and RIR.
    """
    unknown = set(values) - set(SET_FIELDS)
    if unknown:
        raise field_error(sorted(unknown)[0], "This is not a field of a set.")
    out: dict = {}
    if "is_warmup" in values:
        out["is_warmup"] = bool(values["is_warmup"])
    for name, label in (("reps_min", "Reps"), ("reps_max", "Reps")):
        if name in values:
            out[name] = _number(values[name], name, label)
            _within(out[name], 0, MAX_REPS, name, f"Reps are from 0 to {MAX_REPS}.")
    if "load_unit" in values:
        unit = values["load_unit"] or LoadUnit.KG
        if unit not in LoadUnit.values:
            raise field_error("load_unit", "The load is in kg, lb or % of 1RM.")
        out["load_unit"] = unit
    if "load" in values:
        load = _number(values["load"], "load", "The load", decimal=True)
        _within(load, 0, MAX_LOAD, "load", "A load is from 0 to 1000.")
        if load is not None and load != load.quantize(Decimal("0.01")):
            raise field_error("load", "A load has at most two decimal places.")
        out["load"] = load
    if "rpe" in values:
        rpe = _number(values["rpe"], "rpe", "RPE", decimal=True)
        if rpe is not None and (not (1 <= rpe <= 10) or (rpe * 2) % 1):
            raise field_error("rpe", "RPE is from 1 to 10 in steps of 0.5.")
        out["rpe"] = rpe
    if "rir" in values:
        out["rir"] = _number(values["rir"], "rir", "Reps in reserve")
        _within(out["rir"], 0, 10, "rir", "Reps in reserve are from 0 to 10.")
    if "tempo" in values:
        tempo = (values["tempo"] or "").strip().upper()
        if tempo and not TEMPO.match(tempo):
            raise field_error(
                "tempo", "Write tempo as four digits or X, like 3-1-1-0 (down, pause, up, pause)."
            )
        out["tempo"] = tempo
    limits = (
        ("rest_seconds", "Rest", MAX_REST_SECONDS, "Rest is from 0 to 3600 seconds (an hour)."),
        ("duration_seconds", "The duration", MAX_DURATION_SECONDS,
         "A duration is from 0 to 86400 seconds (a day)."),
        ("distance_m", "The distance", MAX_DISTANCE_M, "A distance is from 0 to 1,000,000 m."),
    )  # fmt: skip
    for name, label, high, message in limits:
        if name in values:
            out[name] = _number(values[name], name, label)
            _within(out[name], 0, high, name, message)
    merged = {**(current or {}), **out}
    low, high = merged.get("reps_min"), merged.get("reps_max")
    if low is not None and high is not None and low > high:
        raise field_error(
            "reps_max", f"A rep range runs from low to high: {low} to {high} is backwards."
        )
    if merged.get("load_unit") == LoadUnit.PERCENT_1RM and (merged.get("load") or 0) > (
        MAX_PERCENT_1RM
    ):
        raise field_error("load", "A load in % of 1RM is at most 150.")
    if merged.get("rpe") is not None and merged.get("rir") is not None:
        field = "rir" if "rir" in out else "rpe"
        raise field_error(field, "Give RPE or reps in reserve, not both.")
    return out


def clean_progression(value) -> Decimal:
    step = _number(value, "progression_step", "The progression", decimal=True)
    if step is None:
        return Decimal("0")
    if not (-MAX_PROGRESSION <= step <= MAX_PROGRESSION):
        raise field_error("progression_step", "A weekly progression is from -50 to +50.")
    if step != step.quantize(Decimal("0.01")):
        raise field_error("progression_step", "A progression has at most two decimal places.")
    return step


def clean_superset(value) -> str:
    letter = (value or "").strip().upper()
    if letter and not re.fullmatch(r"[A-Z]", letter):
        raise field_error("superset", "A superset is a capital letter, A to Z.")
    return letter
