"""Units: exact conversions, values that survive a round trip, BMI, range messages."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fitnesscrm.progress import units
from fitnesscrm.progress.models import UnitSystem

IMPERIAL, METRIC = UnitSystem.IMPERIAL, UnitSystem.METRIC
WEIGHT_RANGE = "Weight must be between 20 and 400 kg (44\u2013882 lb)."
WAIST_RANGE = "Waist must be between 40 and 250 cm (16\u201398 in)."


def test_a_pound_is_exactly_0_45359237_kg_and_an_inch_2_54_cm():
    assert units.lb_to_kg(Decimal(1)) == Decimal("0.45359237")
    assert units.in_to_cm(Decimal(1)) == Decimal("2.54")
    assert units.kg_to_lb(Decimal("0.45359237")) == Decimal(1)
    assert units.cm_to_in(Decimal("2.54")) == Decimal(1)


def test_a_weight_typed_in_pounds_is_stored_in_kg_to_a_tenth():
    assert units.to_metric("weight_kg", "187.4", IMPERIAL) == Decimal("85.0")
    assert units.to_metric("weight_kg", "200", IMPERIAL) == Decimal("90.7")
    assert units.to_metric("waist_cm", "32", IMPERIAL) == Decimal("81.3")
    assert units.to_metric("weight_kg", "85,5", METRIC) == Decimal("85.5")


def test_body_fat_heart_rate_and_blood_pressure_are_the_same_in_both_systems():
    assert units.to_metric("body_fat_pct", "18.5", IMPERIAL) == Decimal("18.5")
    assert units.to_metric("resting_hr", "62", IMPERIAL) == 62
    assert units.unit_of("bp_systolic", IMPERIAL) == "mmHg"
    assert units.format_value("body_fat_pct", Decimal("18.5"), IMPERIAL) == "18.5%"


def test_stored_values_are_shown_in_the_business_units():
    assert units.format_value("weight_kg", Decimal("85.0"), IMPERIAL) == "187.4 lb"
    assert units.format_value("weight_kg", Decimal("85.0"), METRIC) == "85.0 kg"
    assert units.format_value("waist_cm", Decimal("81.3"), IMPERIAL) == "32.0 in"
    assert units.format_value("resting_hr", 60, METRIC) == "60 bpm"
    assert units.format_value("weight_kg", None, METRIC) == ""


def test_text_that_is_not_a_number_or_a_fraction_of_a_beat_is_refused():
    for field, typed in (("weight_kg", "heavy"), ("weight_kg", "NaN"), ("resting_hr", "61.5")):
        try:
            units.to_metric(field, typed, METRIC)
        except units.UnitError:
            continue
        raise AssertionError(f"{typed!r} was accepted for {field}")


def test_an_empty_value_stays_empty():
    assert units.to_metric("weight_kg", "  ", IMPERIAL) is None
    assert units.to_metric("weight_kg", None, IMPERIAL) is None


@given(st.integers(min_value=200, max_value=4000))
def test_any_stored_weight_shown_in_pounds_in_a_form_and_saved_again_is_unchanged(tenths):
    stored = Decimal(tenths) / 10
    shown = units.form_value("weight_kg", stored, IMPERIAL)
    assert units.to_metric("weight_kg", str(shown), IMPERIAL) == stored


@given(st.integers(min_value=100, max_value=2500))
def test_any_stored_length_shown_in_inches_in_a_form_and_saved_again_is_unchanged(tenths):
    stored = Decimal(tenths) / 10
    shown = units.form_value("chest_cm", stored, IMPERIAL)
    assert units.to_metric("chest_cm", str(shown), IMPERIAL) == stored


@given(st.decimals(min_value=1, max_value=2000, places=3, allow_nan=False))
def test_pounds_to_kg_and_back_is_the_identity_before_rounding(lb):
    assert abs(units.kg_to_lb(units.lb_to_kg(lb)) - lb) < Decimal("1e-20")


def test_bmi_is_the_weight_over_the_height_squared_to_one_decimal():
    assert units.bmi(Decimal("85"), Decimal("180")) == Decimal("26.2")
    assert units.bmi(Decimal("60"), Decimal("165.5")) == Decimal("21.9")


def test_bmi_is_none_without_a_height_or_a_weight():
    assert units.bmi(Decimal("85"), None) is None
    assert units.bmi(None, Decimal("180")) is None


def test_range_messages_give_the_range_in_both_systems():
    assert units.range_message("weight_kg") == WEIGHT_RANGE
    assert units.range_message("waist_cm") == WAIST_RANGE
    assert units.range_message("body_fat_pct") == "Body fat must be between 2 and 75%."
    assert units.range_message("resting_hr") == (
        "Resting heart rate must be between 25 and 220 bpm."
    )
