"""Which program week runs on a date, and the load it plans: the maths the log and portal use."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fitnesscrm.training.models import LoadUnit
from fitnesscrm.training.schedule import (
    planned_load,
    program_week_for,
    program_week_number,
    progressed_load,
    week_index_for,
)
from tests.factories import (
    MemberFactory,
    ProgramExerciseFactory,
    ProgramFactory,
    ProgramSetFactory,
    ProgramWeekFactory,
)

START = date(2026, 3, 5)  # a Thursday


def test_the_first_seven_days_from_the_start_are_week_zero():
    assert week_index_for(START, START) == 0
    assert week_index_for(START, START + timedelta(days=6)) == 0
    assert week_index_for(START, START + timedelta(days=7)) == 1
    assert week_index_for(START, START + timedelta(days=70)) == 10


def test_a_date_before_the_start_falls_in_no_week():
    assert week_index_for(START, START - timedelta(days=1)) is None


def test_a_four_week_program_repeats_from_its_first_week_in_the_fifth():
    assert [program_week_number(k, 4) for k in range(9)] == [1, 2, 3, 4, 1, 2, 3, 4, 1]
    assert [program_week_number(k, 1) for k in range(3)] == [1, 1, 1]


def test_a_program_without_weeks_has_no_week_number():
    with pytest.raises(ValueError):
        program_week_number(0, 0)


def test_a_one_week_program_with_a_step_of_2_5_kg_runs_2_5_kg_heavier_every_week():
    loads = [progressed_load(Decimal("60"), LoadUnit.KG, Decimal("2.5"), k) for k in range(4)]
    assert loads == [Decimal("60.00"), Decimal("62.50"), Decimal("65.00"), Decimal("67.50")]


def test_pounds_progress_in_pounds():
    assert progressed_load(Decimal("135"), LoadUnit.LB, Decimal("5"), 3) == Decimal("150.00")


def test_a_load_in_percent_of_one_rep_max_never_progresses():
    assert progressed_load(Decimal("75"), LoadUnit.PERCENT_1RM, Decimal("2.5"), 6) == Decimal(
        "75.00"
    )


def test_a_negative_step_stops_at_zero_and_a_large_one_at_1000():
    assert progressed_load(Decimal("10"), LoadUnit.KG, Decimal("-5"), 5) == Decimal("0.00")
    assert progressed_load(Decimal("990"), LoadUnit.KG, Decimal("50"), 3) == Decimal("1000.00")


def test_a_set_without_a_load_has_no_planned_load():
    assert progressed_load(None, LoadUnit.KG, Decimal("2.5"), 3) is None


@pytest.mark.django_db
def test_planned_load_adds_the_exercises_step_once_a_week():
    entry = ProgramExerciseFactory(progression_step=Decimal("2.5"))
    kg_set = ProgramSetFactory(program_exercise=entry, load=Decimal("100"))
    pct_set = ProgramSetFactory(
        program_exercise=entry, position=2, load=Decimal("80"), load_unit=LoadUnit.PERCENT_1RM
    )
    assert planned_load(kg_set, 0) == Decimal("100.00")
    assert planned_load(kg_set, 4) == Decimal("110.00")
    assert planned_load(pct_set, 4) == Decimal("80.00")


@pytest.mark.django_db
def test_program_week_for_cycles_through_the_weeks_of_a_clients_copy():
    copy = ProgramFactory(client=MemberFactory(), start_date=START, status="active")
    weeks = [ProgramWeekFactory(program=copy, number=n) for n in (1, 2, 3)]
    assert program_week_for(copy, START) == (0, weeks[0])
    assert program_week_for(copy, START + timedelta(days=13)) == (1, weeks[1])
    assert program_week_for(copy, START + timedelta(days=21)) == (3, weeks[0])
    assert program_week_for(copy, START + timedelta(days=35)) == (5, weeks[2])


@pytest.mark.django_db
def test_program_week_for_is_empty_before_the_start_after_the_end_and_for_library_programs():
    copy = ProgramFactory(
        client=MemberFactory(),
        start_date=START,
        end_date=START + timedelta(days=27),
        status="active",
    )
    ProgramWeekFactory(program=copy, number=1)
    assert program_week_for(copy, START - timedelta(days=1)) is None
    assert program_week_for(copy, START + timedelta(days=28)) is None
    assert program_week_for(copy, START + timedelta(days=27))[0] == 3
    library = ProgramFactory()
    ProgramWeekFactory(program=library, number=1)
    assert program_week_for(library, START) is None
    empty = ProgramFactory(client=MemberFactory(), start_date=START, status="active")
    assert program_week_for(empty, START) is None


@pytest.mark.django_db
def test_program_week_for_uses_prefetched_weeks_without_a_query(django_assert_num_queries):
    from fitnesscrm.training.models import Program

    copy = ProgramFactory(client=MemberFactory(), start_date=START, status="active")
    ProgramWeekFactory(program=copy, number=1)
    ProgramWeekFactory(program=copy, number=2)
    copy = Program.objects.prefetch_related("weeks").get(pk=copy.pk)
    with django_assert_num_queries(0):
        assert program_week_for(copy, START + timedelta(days=7))[1].number == 2
