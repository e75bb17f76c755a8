"""The builder's writes: order, moves, supersets, weeks, copies, assignment and their limits."""

from datetime import date
from decimal import Decimal

import pytest

from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.training.models import (
    LoadUnit,
    Program,
    ProgramExercise,
    ProgramSet,
    ProgramStatus,
    ProgramTag,
    ProgramWeek,
)
from fitnesscrm.training.schedule import planned_load, program_week_for
from fitnesscrm.training.services import programs as services
from tests.factories import ExerciseFactory, MemberFactory
from tests.training.programs.conftest import build_program, day_order

pytestmark = pytest.mark.django_db


def _day(program, week=1, position=1):
    return program.weeks.get(number=week).days.get(position=position)


def test_a_new_program_starts_with_one_week_of_one_day_and_its_tags(owner):
    program = services.program_create(actor=owner, name="  Hypertrophy ", tags="Legs, legs, Push")
    assert program.name == "Hypertrophy"
    assert [w.number for w in program.weeks.all()] == [1]
    assert program.weeks.get().days.count() == 1
    assert sorted(program.tags.values_list("name", flat=True)) == ["Legs", "Push"]
    assert AuditEntry.objects.filter(action="program.create", object_id=str(program.pk)).exists()


def test_tags_are_matched_ignoring_case_and_not_made_twice(owner, trainer, gym):
    services.program_create(actor=owner, name="One", tags=["Strength"])
    services.program_create(actor=trainer, name="Two", tags=["STRENGTH", "mobility"])
    assert sorted(ProgramTag.objects.values_list("name", flat=True)) == ["Strength", "mobility"]


def test_the_front_desk_and_clients_cannot_build_programs(front_desk, client_user, program):
    for user in (front_desk, client_user):
        with pytest.raises(Forbidden):
            services.program_create(actor=user, name="Nope")
        with pytest.raises(Forbidden):
            services.week_add(actor=user, program=program)


def test_dropping_exercises_in_a_new_order_keeps_that_order(trainer, gym, program):
    day = _day(program)
    ids = {e.exercise.name: e.pk for e in day.exercises.select_related("exercise")}
    order = [ids["Row (test)"], ids["Squat (test)"], ids["Bench (test)"]]
    services.program_exercise_reorder(actor=trainer, day=day, order=order)
    assert day_order(day) == ["Row (test)", "Squat (test)", "Bench (test)"]
    assert list(day.exercises.values_list("position", flat=True)) == [1, 2, 3]


def test_an_exercise_dropped_on_another_day_moves_there_and_both_days_stay_numbered(owner, program):
    day_a, day_b = _day(program), _day(program, position=2)
    bench = day_a.exercises.get(exercise__name="Bench (test)")
    services.program_exercise_reorder(actor=owner, day=day_b, order=[bench.pk])
    assert day_order(day_a) == ["Squat (test)", "Row (test)"]
    assert list(day_a.exercises.values_list("position", flat=True)) == [1, 2]
    assert day_order(day_b) == ["Bench (test)"]
    assert bench.sets.count() == 2


def test_an_order_naming_another_programs_exercise_is_refused_and_nothing_moves(
    owner, exercises, program
):
    other = build_program(exercises, name="Other")
    stranger = _day(other).exercises.first()
    day = _day(program)
    with pytest.raises(NotFound):
        services.program_exercise_reorder(actor=owner, day=day, order=[stranger.pk])
    assert day_order(day) == ["Squat (test)", "Bench (test)", "Row (test)"]
    assert stranger.day_id == _day(other).pk


def test_moving_up_and_to_another_day_by_position(owner, program):
    day_a, day_b = _day(program), _day(program, position=2)
    row = day_a.exercises.get(exercise__name="Row (test)")
    services.program_exercise_move(actor=owner, program_exercise=row, position=1)
    assert day_order(day_a) == ["Row (test)", "Squat (test)", "Bench (test)"]
    services.program_exercise_move(actor=owner, program_exercise=row, day=day_b)
    assert day_order(day_b) == ["Row (test)"]
    assert day_order(day_a) == ["Squat (test)", "Bench (test)"]


def test_a_superset_is_a_letter_and_anything_else_is_refused(owner, program):
    entry = _day(program).exercises.first()
    services.program_exercise_update(actor=owner, program_exercise=entry, superset="a")
    entry.refresh_from_db()
    assert entry.superset == "A"
    with pytest.raises(ApplicationError) as refused:
        services.program_exercise_update(actor=owner, program_exercise=entry, superset="AB")
    assert refused.value.errors[0]["field"] == "superset"


def test_copying_a_week_appends_an_independent_copy(owner, program):
    week = program.weeks.get(number=1)
    copy = services.week_copy(actor=owner, week=week)
    assert copy.number == 2
    assert day_order(copy.days.get(position=1)) == day_order(week.days.get(position=1))
    ProgramSet.objects.filter(program_exercise__day__week=copy).update(load=Decimal("99"))
    assert set(
        ProgramSet.objects.filter(program_exercise__day__week=week).values_list("load", flat=True)
    ) == {Decimal("60")}


def test_removing_a_week_renumbers_those_after_it(owner, exercises):
    program = build_program(exercises, weeks=3)
    services.week_remove(actor=owner, week=program.weeks.get(number=2))
    assert list(program.weeks.values_list("number", flat=True)) == [1, 2]


def test_a_program_has_at_most_52_weeks(owner, program):
    ProgramWeek.objects.bulk_create(ProgramWeek(program=program, number=n) for n in range(2, 53))
    with pytest.raises(ApplicationError, match="at most 52 weeks"):
        services.week_add(actor=owner, program=program)
    with pytest.raises(ApplicationError, match="at most 52 weeks"):
        services.week_copy(actor=owner, week=program.weeks.get(number=1))
    assert program.weeks.count() == 52


def test_sets_are_added_copied_changed_and_removed_in_order(owner, program):
    entry = _day(program).exercises.first()
    services.program_set_update(
        actor=owner, program_set=entry.sets.get(position=2), rpe="8.5", tempo="3-1-x-0"
    )
    copy = services.program_set_copy_last(actor=owner, program_exercise=entry)
    assert (copy.position, copy.rpe, copy.tempo, copy.load) == (3, Decimal("8.5"), "3-1-X-0", 60)
    services.program_set_remove(actor=owner, program_set=entry.sets.get(position=1))
    assert list(entry.sets.values_list("position", flat=True)) == [1, 2]
    added = services.program_set_add(
        actor=owner, program_exercise=entry, reps_min=5, reps_max=8, load="75", load_unit="pct_1rm"
    )
    assert (added.position, added.load_unit) == (3, LoadUnit.PERCENT_1RM)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reps_min": 10, "reps_max": 5}, "reps_max", "10 to 5 is backwards"),
        ({"load": "-5"}, "load", "from 0 to 1000"),
        ({"load": "1000.5"}, "load", "from 0 to 1000"),
        ({"load": "160", "load_unit": "pct_1rm"}, "load", "at most 150"),
        ({"rpe": "11"}, "rpe", "1 to 10 in steps of 0.5"),
        ({"rpe": "7.3"}, "rpe", "1 to 10 in steps of 0.5"),
        ({"rir": "11"}, "rir", "0 to 10"),
        ({"tempo": "fast"}, "tempo", "like 3-1-1-0"),
        ({"rest_seconds": 3601}, "rest_seconds", "3600 seconds"),
        ({"duration_seconds": 90000}, "duration_seconds", "86400"),
        ({"distance_m": 2_000_000}, "distance_m", "1,000,000"),
        ({"reps_min": "ten"}, "reps_min", "must be a number"),
        ({"load_unit": "stone"}, "load_unit", "kg, lb or % of 1RM"),
    ],
)
def test_a_bad_prescription_is_refused_at_its_field_and_nothing_changes(
    owner, program, values, field, message
):
    row = ProgramSet.objects.filter(program_exercise__day__week__program=program).first()
    before = ProgramSet.objects.filter(pk=row.pk).values().get()
    with pytest.raises(ApplicationError) as refused:
        services.program_set_update(actor=owner, program_set=row, **values)
    assert refused.value.errors[0]["field"] == field
    assert message in refused.value.errors[0]["message"]
    assert ProgramSet.objects.filter(pk=row.pk).values().get() == before


def test_rpe_and_rir_together_are_refused(owner, program):
    row = ProgramSet.objects.filter(program_exercise__day__week__program=program).first()
    services.program_set_update(actor=owner, program_set=row, rpe="8")
    with pytest.raises(ApplicationError, match="not both"):
        services.program_set_update(actor=owner, program_set=row, rir=2)


def test_copying_a_program_copies_everything_and_the_copy_is_independent(owner, exercises):
    program = build_program(exercises, weeks=2)
    program.tags.set([ProgramTag.objects.create(name="Strength")])
    copy = services.program_copy(actor=owner, program=program)
    assert copy.name == "Copy of Strength base"
    assert copy.source == program
    assert list(copy.tags.values_list("name", flat=True)) == ["Strength"]
    assert copy.weeks.count() == 2
    assert ProgramSet.objects.filter(program_exercise__day__week__program=copy).count() == 12
    services.program_exercise_remove(actor=owner, program_exercise=_day(copy).exercises.first())
    assert _day(program).exercises.count() == 3


def test_assigning_makes_a_deep_copy_that_can_change_without_touching_the_template(
    trainer, gym, exercises
):
    template = build_program(exercises, is_template=True, name="Template")
    copy = services.program_assign(
        actor=trainer, program=template, client=gym.member, start_date=date(2026, 3, 2)
    )
    assert (copy.client, copy.source, copy.status, copy.trainer) == (
        gym.member,
        template,
        ProgramStatus.ACTIVE,
        gym.coach,
    )
    assert not copy.is_template
    entry = _day(copy).exercises.get(exercise__name="Squat (test)")
    services.program_exercise_update(
        actor=trainer, program_exercise=entry, progression_step="2.5", superset="B"
    )
    services.program_set_update(actor=trainer, program_set=entry.sets.first(), load="100")
    original = _day(template).exercises.get(exercise__name="Squat (test)")
    assert (original.progression_step, original.superset) == (Decimal("0"), "")
    assert set(original.sets.values_list("load", flat=True)) == {Decimal("60")}


def test_a_trainer_cannot_assign_to_a_client_they_do_not_coach(trainer, gym, program):
    with pytest.raises(NotFound):
        services.program_assign(
            actor=trainer, program=program, client=gym.stranger, start_date=date(2026, 3, 2)
        )
    assert not Program.objects.filter(client=gym.stranger).exists()


def test_a_program_without_exercises_or_an_archived_client_cannot_be_assigned(owner, gym):
    empty = services.program_create(actor=owner, name="Empty")
    with pytest.raises(ApplicationError, match="no exercises"):
        services.program_assign(
            actor=owner, program=empty, client=gym.member, start_date=date(2026, 3, 2)
        )
    ProgramExercise.objects.create(day=empty.weeks.get().days.get(), exercise=ExerciseFactory())
    archived = MemberFactory(archived_at="2026-01-01T00:00:00Z")
    with pytest.raises(Conflict, match="archived"):
        services.program_assign(
            actor=owner, program=empty, client=archived, start_date=date(2026, 3, 2)
        )


def test_an_end_before_the_start_is_refused(owner, gym, program):
    with pytest.raises(ApplicationError) as refused:
        services.program_assign(
            actor=owner,
            program=program,
            client=gym.member,
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 1),
        )
    assert refused.value.errors[0]["field"] == "end_date"


def test_another_trainer_cannot_touch_a_clients_copy(owner, gym, program):
    copy = services.program_assign(
        actor=owner, program=program, client=gym.member, start_date=date(2026, 3, 2)
    )
    other = gym.other_coach.user
    with pytest.raises(NotFound):
        services.week_add(actor=other, program=copy)
    with pytest.raises(NotFound):
        services.program_copy(actor=other, program=copy)
    with pytest.raises(NotFound):
        services.program_stop(actor=other, program=copy)


def test_saving_a_clients_copy_as_a_template_makes_a_library_template(trainer, gym, program):
    copy = services.program_assign(
        actor=trainer, program=program, client=gym.member, start_date=date(2026, 3, 2)
    )
    template = services.program_save_as_template(actor=trainer, program=copy)
    assert (template.client, template.is_template, template.source) == (None, True, copy)
    assert template.start_date is None and template.status == ProgramStatus.DRAFT
    assert day_order(_day(template)) == day_order(_day(copy))


def test_stopping_and_completing_a_clients_copy(owner, gym, program):
    copy = services.program_assign(
        actor=owner, program=program, client=gym.member, start_date=date(2026, 3, 2)
    )
    services.program_stop(actor=owner, program=copy)
    assert copy.status == ProgramStatus.STOPPED and copy.end_date is not None
    with pytest.raises(Conflict):
        services.program_complete(actor=owner, program=copy)
    with pytest.raises(ApplicationError):
        services.program_stop(actor=owner, program=program)


def test_an_archived_program_is_read_only(owner, program):
    services.program_archive(actor=owner, program=program)
    with pytest.raises(Conflict):
        services.week_add(actor=owner, program=program)


def test_progression_on_a_clients_copy_adds_the_step_each_week_and_cycles_its_weeks(owner, gym):
    program = services.program_create(actor=owner, name="Two weeks")
    squat = ExerciseFactory(name="Front squat (test)")
    day = program.weeks.get().days.get()
    entry = services.program_exercise_add(
        actor=owner,
        day=day,
        exercise=squat,
        sets=[{"reps_min": 5, "reps_max": 5, "load": "100"},
              {"reps_min": 3, "reps_max": 3, "load": "80", "load_unit": "pct_1rm"}],
        progression_step="2.5",
    )  # fmt: skip
    services.week_copy(actor=owner, week=program.weeks.get())
    assert entry.sets.count() == 2
    copy = services.program_assign(
        actor=owner, program=program, client=gym.member, start_date=date(2026, 3, 2)
    )
    week_index, week = program_week_for(copy, date(2026, 3, 18))
    assert (week_index, week.number) == (2, 1)
    kg_set, pct_set = ProgramSet.objects.filter(program_exercise__day__week=week).order_by(
        "position"
    )
    assert planned_load(kg_set, week_index) == Decimal("105.00")
    assert planned_load(pct_set, week_index) == Decimal("80.00")
    assert program_week_for(copy, date(2026, 3, 9))[1].number == 2


def test_a_new_exercise_gets_sets_that_suit_what_it_tracks(owner, exercises, program):
    day = _day(program, position=2)
    plank = services.program_exercise_add(actor=owner, day=day, exercise=exercises["plank"])
    run = services.program_exercise_add(actor=owner, day=day, exercise=exercises["run"])
    assert set(plank.sets.values_list("duration_seconds", flat=True)) == {30}
    assert list(run.sets.values_list("distance_m", flat=True)) == [1000]
    assert [e.position for e in day.exercises.all()] == [1, 2]


def test_a_day_holds_at_most_30_exercises_and_a_week_7_days(owner, exercises):
    program = services.program_create(actor=owner, name="Big")
    week = program.weeks.get()
    day = week.days.get()
    for _ in range(30):
        services.program_exercise_add(actor=owner, day=day, exercise=exercises["squat"], sets=[])
    with pytest.raises(ApplicationError, match="at most 30"):
        services.program_exercise_add(actor=owner, day=day, exercise=exercises["bench"])
    for _ in range(6):
        services.day_add(actor=owner, week=week)
    with pytest.raises(ApplicationError, match="at most 7 days"):
        services.day_add(actor=owner, week=week)


def test_a_week_added_to_a_library_program_needs_nothing_else(owner, program):
    week = services.week_add(actor=owner, program=program)
    assert week.number == 2 and week.days.count() == 1
