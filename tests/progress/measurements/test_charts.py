"""Chart series: body trends, circumferences, best e1RM per day, weekly volume; fixed queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.progress.models import UnitSystem
from fitnesscrm.progress.selectors.charts import chart_data
from fitnesscrm.progress.units import Units
from fitnesscrm.training.models import WorkoutLog
from tests.factories import ExerciseFactory, MeasurementFactory
from tests.progress.measurements.helpers import log_set

METRIC, IMPERIAL = Units(UnitSystem.METRIC), Units(UnitSystem.IMPERIAL)


def monday(weeks_ago: int) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


def test_weight_and_body_fat_are_series_in_date_order(gym):
    MeasurementFactory(client=gym.member, measured_on=date(2026, 3, 1), weight_kg=Decimal("84"))
    MeasurementFactory(
        client=gym.member,
        measured_on=date(2026, 1, 1),
        weight_kg=Decimal("86"),
        body_fat_pct=Decimal("20"),
    )
    MeasurementFactory(client=gym.stranger, measured_on=date(2026, 2, 1))

    data = chart_data(client=gym.member, units=METRIC)

    assert data["weight"]["points"] == [
        {"x": "2026-01-01", "y": 86.0},
        {"x": "2026-03-01", "y": 84.0},
    ]
    assert data["body_fat"]["points"] == [{"x": "2026-01-01", "y": 20.0}]
    assert data["weight"]["label"] == "Weight (kg)"


def test_series_are_in_the_business_units(gym):
    MeasurementFactory(
        client=gym.member, weight_kg=Decimal("85"), waist_cm=Decimal("81.3"), chest_cm=None
    )
    data = chart_data(client=gym.member, units=IMPERIAL)
    assert data["weight"]["points"][0]["y"] == 187.4
    waist = next(s for s in data["circumferences"] if s["key"] == "waist_cm")
    assert waist["points"][0]["y"] == 32.0 and waist["label"] == "Waist (in)"
    chest = next(s for s in data["circumferences"] if s["key"] == "chest_cm")
    assert chest["points"] == []


def test_lifts_show_the_best_estimated_1rm_of_each_exercise_per_day(gym):
    squat, bench = ExerciseFactory(name="Squat"), ExerciseFactory(name="Bench")
    day = date(2026, 2, 2)
    log = WorkoutLog.objects.create(client=gym.member, performed_on=day)
    log_set(gym.member, squat, day, e1rm_kg="110", log=log)
    log_set(gym.member, squat, day, e1rm_kg="115.5", log=log)
    log_set(gym.member, squat, day + timedelta(days=3), e1rm_kg="112")
    log_set(gym.member, bench, day, e1rm_kg="80")
    log_set(gym.stranger, squat, day, e1rm_kg="300")

    lifts = chart_data(client=gym.member, units=METRIC)["lifts"]

    assert lifts == [
        {
            "id": squat.pk,
            "label": "Squat",
            "points": [{"x": "2026-02-02", "y": 115.5}, {"x": "2026-02-05", "y": 112.0}],
        },
        {"id": bench.pk, "label": "Bench", "points": [{"x": "2026-02-02", "y": 80.0}]},
    ]


def test_weekly_volume_sums_reps_times_load_per_iso_week(gym):
    squat = ExerciseFactory()
    last_week, this_week = monday(1), monday(0)
    log_set(gym.member, squat, last_week, reps=5, load_kg="100")  # 500
    log_set(gym.member, squat, last_week + timedelta(days=6), reps=10, load_kg="50")  # 500
    log_set(gym.member, squat, this_week, reps=3, load_kg="60")  # 180
    log_set(gym.member, squat, this_week, reps=3, load_kg="60", completed=False)
    log_set(gym.stranger, squat, this_week, reps=3, load_kg="60")

    volume = chart_data(client=gym.member, units=METRIC)["volume"]

    assert volume == [
        {"x": last_week.isoformat(), "y": 1000.0},
        {"x": this_week.isoformat(), "y": 180.0},
    ]
    assert chart_data(client=gym.member, units=IMPERIAL)["volume"][1]["y"] == 396.8


@pytest.mark.parametrize("count", [1, 10])
def test_the_chart_data_takes_three_queries_however_much_data(
    gym, count, django_assert_num_queries
):
    for n in range(count):
        exercise = ExerciseFactory()
        day = monday(n)
        MeasurementFactory(client=gym.member, measured_on=day, waist_cm=Decimal("90"))
        log_set(gym.member, exercise, day)
    with django_assert_num_queries(3):
        data = chart_data(client=gym.member, units=METRIC)
    assert len(data["weight"]["points"]) == count
