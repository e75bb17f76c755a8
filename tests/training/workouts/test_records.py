"""The arithmetic of records: Epley's estimate, kg and lb, volume."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fitnesscrm.training import records

loads = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("1000"), places=2)


def test_one_rep_is_its_own_estimate():
    assert records.estimated_1rm(Decimal("140"), 1) == Decimal("140.00")


def test_five_reps_at_a_hundred_estimate_one_sixteen_point_six_seven():
    assert records.estimated_1rm(Decimal("100"), 5) == Decimal("116.67")


def test_twelve_reps_still_estimate_and_thirteen_do_not():
    assert records.estimated_1rm(Decimal("60"), 12) == Decimal("84.00")
    assert records.estimated_1rm(Decimal("60"), 13) is None


@pytest.mark.parametrize(("load", "reps"), [(None, 5), (Decimal("100"), None), (Decimal("0"), 5)])
def test_no_estimate_without_a_load_or_reps(load, reps):
    assert records.estimated_1rm(load, reps) is None
    assert records.estimated_1rm(Decimal("100"), 0) is None


def test_a_pound_is_exactly_0_45359237_kg():
    assert records.to_kg(Decimal("1"), "lb") == Decimal("0.45359237")
    assert records.round_kg(records.to_kg(Decimal("225"), "lb")) == Decimal("102.06")
    assert records.to_kg(Decimal("80"), "kg") == Decimal("80")


def test_percent_of_one_rep_max_is_not_a_unit_a_load_is_logged_in():
    with pytest.raises(ValueError):
        records.to_kg(Decimal("80"), "pct_1rm")


def test_set_volume_is_reps_times_load():
    assert records.set_volume(Decimal("100"), 5) == Decimal("500")
    assert records.set_volume(None, 5) == 0
    assert records.set_volume(Decimal("100"), None) == 0


def test_loads_are_shown_without_trailing_zeros():
    assert records.shown(Decimal("142.50")) == "142.5"
    assert records.shown(Decimal("100.00")) == "100"
    assert records.lb_alongside(Decimal("102.06")) == "225"


@given(load=loads, unit=st.sampled_from(["kg", "lb"]))
def test_converting_to_kg_and_back_gives_the_load_again(load, unit):
    assert records.from_kg(records.to_kg(load, unit), unit).quantize(Decimal("0.01")) == load


@given(load=loads, reps=st.integers(min_value=1, max_value=12))
def test_more_reps_at_the_same_load_never_estimate_less(load, reps):
    fewer = records.estimated_1rm(load, reps)
    assert fewer >= records.round_kg(load)
    if reps < 12:
        assert records.estimated_1rm(load, reps + 1) >= fewer


@given(load=loads, reps=st.integers(min_value=1, max_value=12))
def test_the_estimate_is_at_most_forty_percent_above_the_load(load, reps):
    assert records.estimated_1rm(load, reps) <= records.round_kg(load * Decimal("1.4"))


@given(load=loads, more=loads, reps=st.integers(min_value=1, max_value=12))
def test_a_heavier_load_never_estimates_less(load, more, reps):
    assert records.estimated_1rm(load + more, reps) >= records.estimated_1rm(load, reps)


rows = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=3),  # exercise
        st.integers(min_value=1, max_value=4),  # workout
        st.integers(min_value=1, max_value=20),  # reps
        st.decimals(min_value=Decimal("1"), max_value=Decimal("300"), places=2),
    ),
    min_size=1,
    max_size=30,
)


@given(rows=rows)
def test_the_records_are_the_best_of_every_set(rows):
    from datetime import date

    from fitnesscrm.training.models import RecordKind
    from fitnesscrm.training.services.workouts import _best_of

    sets = [
        {
            "id": n,
            "exercise_id": exercise,
            "log_id": log,
            "log__performed_on": date(2026, 1, log),
            "reps": reps,
            "load_kg": load,
            "e1rm_kg": records.estimated_1rm(load, reps),
            "load_unit": "kg",
        }
        for n, (exercise, log, reps, load) in enumerate(sorted(rows, key=lambda r: r[1]))
    ]
    best = _best_of(sets)
    for exercise in {s["exercise_id"] for s in sets}:
        mine = [s for s in sets if s["exercise_id"] == exercise]
        estimates = [s["e1rm_kg"] for s in mine if s["e1rm_kg"] is not None]
        if estimates:
            assert best[(exercise, RecordKind.E1RM, 0)].value == max(estimates)
        else:
            assert (exercise, RecordKind.E1RM, 0) not in best
        for reps in {s["reps"] for s in mine if s["reps"] <= 12}:
            heaviest = max(s["load_kg"] for s in mine if s["reps"] == reps)
            assert best[(exercise, RecordKind.LOAD_FOR_REPS, reps)].value == heaviest
        volumes = {}
        for s in mine:
            volumes[s["log_id"]] = volumes.get(s["log_id"], 0) + s["load_kg"] * s["reps"]
        assert best[(exercise, RecordKind.VOLUME, 0)].value == max(volumes.values())
