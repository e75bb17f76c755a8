"""The series the progress charts draw, in the business's units, in three queries.

- body: weight and body fat over time, and each circumference over time (one query
  over the client's measurements);
- lifts: the best estimated 1RM of each exercise per day (one grouped query), for the
  exercises logged on the most days;
- volume: the sum of reps x load (kg) of the completed sets per ISO week (one grouped
  query), for the last year.

The caller checks the user may see the client (selectors.measurements.progress_client_get).
"""

from datetime import timedelta

from django.db.models import DecimalField, ExpressionWrapper, F, Max, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.progress.models import Measurement
from fitnesscrm.progress.models.measurements import LIMITS
from fitnesscrm.progress.units import CIRCUMFERENCE_FIELDS, Units, display_value
from fitnesscrm.training.models import LoggedSet

MAX_POINTS = 400
MAX_EXERCISES = 6
VOLUME_WEEKS = 52
VOLUME = DecimalField(max_digits=14, decimal_places=2)


def _number(value) -> float | None:
    return None if value is None else float(value)


def _body(client: Client, units: Units) -> dict:
    fields = ("weight_kg", "body_fat_pct", *CIRCUMFERENCE_FIELDS)
    rows = list(
        Measurement.objects.filter(client=client)
        .order_by("-measured_on", "-id")
        .values_list("measured_on", *fields)[:MAX_POINTS]
    )
    rows.reverse()

    def series(name: str) -> dict:
        column = 1 + fields.index(name)
        points = [
            {"x": row[0].isoformat(), "y": _number(display_value(name, row[column], units.system))}
            for row in rows
            if row[column] is not None
        ]
        return {"key": name, "label": f"{LIMITS[name][0]} ({units.unit(name)})", "points": points}

    return {
        "weight": series("weight_kg"),
        "body_fat": series("body_fat_pct"),
        "circumferences": [series(name) for name in CIRCUMFERENCE_FIELDS],
    }


def _lifts(client: Client, units: Units) -> list[dict]:
    rows = (
        LoggedSet.objects.filter(log__client=client, e1rm_kg__isnull=False, completed=True)
        .values("exercise_id", "exercise__name", "log__performed_on")
        .annotate(best=Max("e1rm_kg"))
        .order_by("exercise_id", "log__performed_on")
    )
    by_exercise: dict[int, dict] = {}
    for row in rows:
        entry = by_exercise.setdefault(
            row["exercise_id"],
            {"id": row["exercise_id"], "label": row["exercise__name"], "points": []},
        )
        entry["points"].append(
            {"x": row["log__performed_on"].isoformat(), "y": _number(units.weight_kg(row["best"]))}
        )
    lifts = sorted(by_exercise.values(), key=lambda e: (-len(e["points"]), e["label"]))
    return lifts[:MAX_EXERCISES]


def _volume(client: Client, units: Units) -> list[dict]:
    since = timezone.localdate() - timedelta(weeks=VOLUME_WEEKS)
    rows = (
        LoggedSet.objects.filter(
            log__client=client,
            log__performed_on__gte=since,
            completed=True,
            reps__isnull=False,
            load_kg__isnull=False,
        )
        .annotate(week=TruncWeek("log__performed_on"))
        .values("week")
        .annotate(volume=Sum(ExpressionWrapper(F("reps") * F("load_kg"), output_field=VOLUME)))
        .order_by("week")
    )
    return [
        {"x": row["week"].isoformat(), "y": _number(units.weight_kg(row["volume"]))} for row in rows
    ]


def chart_data(*, client: Client, units: Units) -> dict:
    """Everything the progress charts need, ready for json_script."""
    body = _body(client, units)
    return {
        "units": {"weight": units.weight, "length": units.length},
        **body,
        "lifts": _lifts(client, units),
        "volume": _volume(client, units),
    }
