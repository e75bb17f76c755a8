"""The program pages: library, new program, builder actions (with and without htmx), and a
client's programs with the assignment form; each role, guessed ids, bad input, query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fitnesscrm.training.models import Program, ProgramSet, ProgramTag
from fitnesscrm.training.services import programs as services
from tests.factories import MemberFactory, ProgramExerciseFactory, ProgramSetFactory
from tests.training.programs.conftest import build_program, day_order

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _copy_for(gym, program, actor):
    return services.program_assign(
        actor=actor, program=program, client=gym.member, start_date=date(2026, 3, 2)
    )


def _first_day(program):
    return program.weeks.get(number=1).days.get(position=1)


# --- Who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager", "trainer"])
def test_coaching_staff_open_the_library_and_the_builder(request, login, role, program):
    http = login(request.getfixturevalue(role))
    assert http.get(reverse("programs:list")).status_code == 200
    page = http.get(reverse("programs:builder", args=[program.pk]))
    assert page.status_code == 200
    assert b"Squat (test)" in page.content


@pytest.mark.parametrize("role", ["front_desk", "client_user"])
def test_the_front_desk_and_clients_get_403(request, login, role, program, gym):
    http = login(request.getfixturevalue(role))
    assert http.get(reverse("programs:list")).status_code == 403
    assert http.get(reverse("programs:builder", args=[program.pk])).status_code == 403
    assert http.get(reverse("programs:client", args=[gym.member.pk])).status_code == 403
    day = _first_day(program)
    order = reverse("programs:reorder", args=[program.pk, day.pk])
    assert http.post(order, {"order": "1"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, program):
    for url in (reverse("programs:list"), reverse("programs:builder", args=[program.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_another_trainer_guessing_a_clients_copy_gets_404_everywhere(login, owner, gym, program):
    copy = _copy_for(gym, program, owner)
    http = login(gym.other_coach.user)
    day = _first_day(copy)
    entry = day.exercises.first()
    row = entry.sets.first()
    assert http.get(reverse("programs:builder", args=[copy.pk])).status_code == 404
    assert http.get(reverse("programs:client", args=[gym.member.pk])).status_code == 404
    for name, args, data in [
        ("programs:reorder", [copy.pk, day.pk], {"order": str(entry.pk)}),
        ("programs:set-update", [copy.pk, row.pk], {"reps_min": "1"}),
        ("programs:exercise-remove", [copy.pk, entry.pk], {}),
        ("programs:copy", [copy.pk], {}),
        ("programs:archive", [copy.pk], {}),
        ("programs:status", [copy.pk], {"action": "stop"}),
    ]:
        assert http.post(reverse(name, args=args), data).status_code == 404, name
    assert day.exercises.count() == 3
    copy.refresh_from_db()
    assert copy.archived_at is None and copy.status == "active"


def test_the_clients_own_trainer_edits_the_copy(login, trainer, gym, program, owner):
    copy = _copy_for(gym, program, owner)
    assert login(trainer).get(reverse("programs:builder", args=[copy.pk])).status_code == 200


def test_a_day_of_another_program_in_the_address_is_404(login, owner, exercises, program):
    other = build_program(exercises, name="Other")
    http = login(owner)
    url = reverse("programs:reorder", args=[program.pk, _first_day(other).pk])
    assert http.post(url, {"order": ""}).status_code == 404
    row = ProgramSet.objects.filter(program_exercise__day__week__program=other).first()
    assert (
        http.post(reverse("programs:set-update", args=[program.pk, row.pk]), {}).status_code == 404
    )


# --- The library ------------------------------------------------------------------------------


def test_the_library_searches_filters_by_tag_and_templates(login, owner, exercises):
    tagged = build_program(exercises, name="Strength block", is_template=True)
    tagged.tags.set([ProgramTag.objects.create(name="Strength")])
    build_program(exercises, name="Running base")
    http = login(owner)
    url = reverse("programs:list")
    assert b"Running base" in http.get(url).content
    assert b"Running base" not in http.get(url, {"q": "strength"}).content
    by_tag = http.get(url, {"tag": "Strength"}).content
    assert b"Strength block" in by_tag and b"Running base" not in by_tag
    assert b"Running base" not in http.get(url, {"templates": "on"}).content


def test_the_library_costs_the_same_queries_for_more_programs(login, owner, exercises):
    http = login(owner)
    build_program(exercises, name="P0").tags.set([ProgramTag.objects.create(name="t0")])
    http.get(reverse("programs:list"))
    with CaptureQueriesContext(connection) as few:
        http.get(reverse("programs:list"))
    for n in range(1, 9):
        build_program(exercises, name=f"P{n}").tags.set([ProgramTag.objects.create(name=f"t{n}")])
    with CaptureQueriesContext(connection) as many:
        page = http.get(reverse("programs:list"))
    assert page.content.count(b'data-testid="program-row"') == 9
    assert len(many) == len(few)


def test_the_builder_costs_the_same_queries_however_many_exercises(login, owner, exercises):
    small = build_program(exercises, name="Small")
    big = build_program(exercises, name="Big", weeks=3)
    day = _first_day(big)
    for position in range(4, 16):
        entry = ProgramExerciseFactory(day=day, exercise=exercises["plank"], position=position)
        ProgramSetFactory(program_exercise=entry, load=Decimal("10"))
    http = login(owner)
    http.get(reverse("programs:builder", args=[small.pk]))
    with CaptureQueriesContext(connection) as few:
        http.get(reverse("programs:builder", args=[small.pk]))
    with CaptureQueriesContext(connection) as many:
        page = http.get(reverse("programs:builder", args=[big.pk]))
    assert page.content.count(b'data-testid="entry"') == 15
    assert len(many) == len(few)


# --- A new program and its details ------------------------------------------------------------


def test_a_new_program_opens_in_the_builder(login, trainer, gym):
    response = login(trainer).post(
        reverse("programs:create"), {"name": "Beginner", "tags": "Strength, beginner"}
    )
    program = Program.objects.get(name="Beginner")
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:builder", args=[program.pk])
    assert program.trainer == gym.coach
    assert sorted(program.tags.values_list("name", flat=True)) == ["Strength", "beginner"]


def test_a_program_without_a_name_gets_the_form_again(login, owner):
    response = login(owner).post(reverse("programs:create"), {"name": "  "})
    assert response.status_code == 400
    assert b"is-invalid" in response.content
    assert not Program.objects.exists()


def test_details_are_changed_and_too_many_tags_are_refused_at_the_field(login, owner, program):
    http = login(owner)
    url = reverse("programs:details", args=[program.pk])
    assert http.post(url, {"name": "Renamed", "tags": "a, b"}).status_code == 302
    program.refresh_from_db()
    assert program.name == "Renamed"
    many = ", ".join(f"tag{n}" for n in range(11))
    response = http.post(url, {"name": "Renamed", "tags": many})
    assert response.status_code == 400
    assert b"at most 10 tags" in response.content
    assert program.tags.count() == 2


# --- Builder actions --------------------------------------------------------------------------


def test_a_drop_posts_the_order_and_htmx_gets_the_week_back(login, owner, program):
    day = _first_day(program)
    ids = {e.exercise.name: e.pk for e in day.exercises.select_related("exercise")}
    order = f"{ids['Row (test)']},{ids['Squat (test)']},{ids['Bench (test)']}"
    response = login(owner).post(
        reverse("programs:reorder", args=[program.pk, day.pk]), {"order": order}, **HX
    )
    assert response.status_code == 200
    assert response.content.startswith(b'<div id="week-panel"')
    assert day_order(day) == ["Row (test)", "Squat (test)", "Bench (test)"]


def test_without_js_the_arrows_move_an_exercise_and_the_page_comes_back(login, owner, program):
    day = _first_day(program)
    row = day.exercises.get(exercise__name="Row (test)")
    response = login(owner).post(
        reverse("programs:exercise-move", args=[program.pk, row.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("programs:builder", args=[program.pk]))
    assert day_order(day) == ["Squat (test)", "Row (test)", "Bench (test)"]


def test_an_exercise_moves_to_another_day_with_the_select(login, owner, program):
    day_a, day_b = _first_day(program), program.weeks.get().days.get(position=2)
    bench = day_a.exercises.get(exercise__name="Bench (test)")
    login(owner).post(
        reverse("programs:exercise-move", args=[program.pk, bench.pk]), {"day": day_b.pk}
    )
    assert day_order(day_b) == ["Bench (test)"]


def test_an_order_with_anothers_exercise_is_refused_in_place(login, owner, exercises, program):
    other = build_program(exercises, name="Other")
    stranger = _first_day(other).exercises.first()
    day = _first_day(program)
    response = login(owner).post(
        reverse("programs:reorder", args=[program.pk, day.pk]), {"order": str(stranger.pk)}, **HX
    )
    assert response.status_code == 400
    assert b'data-testid="day-error"' in response.content
    assert stranger.day_id == _first_day(other).pk
    assert day_order(day) == ["Squat (test)", "Bench (test)", "Row (test)"]


def test_a_set_is_saved_inline_and_a_bad_value_is_shown_at_its_field(login, owner, program):
    row = _first_day(program).exercises.first().sets.first()
    http = login(owner)
    url = reverse("programs:set-update", args=[program.pk, row.pk])
    fields = {"reps_min": "8", "reps_max": "10", "load": "62.5", "load_unit": "kg", "rpe": "8"}
    saved = http.post(url, fields, **HX)
    assert saved.status_code == 200 and b'data-testid="set-saved"' in saved.content
    row.refresh_from_db()
    assert (row.reps_min, row.reps_max, row.load, row.rpe) == (8, 10, Decimal("62.5"), 8)
    bad = http.post(url, {**fields, "reps_min": "10", "reps_max": "5"}, **HX)
    assert bad.status_code == 400
    assert bad.content.lstrip().startswith(b"<form")
    assert b'id="set%d-reps_max_error"' % row.pk in bad.content
    assert b"10 to 5 is backwards" in bad.content
    row.refresh_from_db()
    assert (row.reps_min, row.reps_max) == (8, 10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("load", "-5", b"from 0 to 1000"), ("rpe", "11", b"steps of 0.5"),
     ("tempo", "fast", b"like 3-1-1-0"), ("load", "heavy", b"Enter a number")],
)  # fmt: skip
def test_without_js_a_bad_set_value_gets_the_page_again_with_the_message(
    login, owner, program, field, value, message
):
    row = _first_day(program).exercises.first().sets.first()
    response = login(owner).post(
        reverse("programs:set-update", args=[program.pk, row.pk]),
        {"reps_min": "5", "reps_max": "5", "load": "60", "load_unit": "kg", field: value},
    )
    assert response.status_code == 400
    assert message in response.content
    assert b'id="week-panel"' in response.content
    row.refresh_from_db()
    assert row.load == Decimal("60") and row.rpe is None and row.tempo == ""


def test_adding_an_exercise_from_the_picker(login, owner, exercises, program):
    day = program.weeks.get().days.get(position=2)
    http = login(owner)
    found = http.get(reverse("programs:picker", args=[program.pk, day.pk]), {"q": "plank (t"}, **HX)
    assert b"Plank (test)" in found.content and b"Squat (test)" not in found.content
    no_js = http.get(reverse("programs:picker", args=[program.pk, day.pk]), {"q": "plank"})
    assert no_js.status_code == 302
    page = http.get(no_js["Location"])
    assert b'data-testid="picker-results"' in page.content
    response = http.post(
        reverse("programs:exercise-add", args=[program.pk, day.pk]),
        {"exercise": exercises["plank"].pk},
        **HX,
    )
    assert response.status_code == 200
    assert day_order(day) == ["Plank (test)"]
    missing = http.post(
        reverse("programs:exercise-add", args=[program.pk, day.pk]), {"exercise": "999999"}
    )
    assert missing.status_code == 400 and b"not in the library" in missing.content


def test_supersets_progression_and_notes_are_set_on_an_exercise(login, owner, program):
    entry = _first_day(program).exercises.first()
    http = login(owner)
    url = reverse("programs:exercise-update", args=[program.pk, entry.pk])
    response = http.post(url, {"superset": "A", "progression_step": "2.5", "notes": "Belt"}, **HX)
    assert response.status_code == 200
    assert b'data-testid="superset"' in response.content
    entry.refresh_from_db()
    assert (entry.superset, entry.progression_step, entry.notes) == ("A", Decimal("2.5"), "Belt")
    bad = http.post(url, {"superset": "A", "progression_step": "99"}, **HX)
    assert bad.status_code == 400 and b"from -50 to +50" in bad.content


def test_sets_are_added_by_copying_the_last_and_removed(login, owner, program):
    entry = _first_day(program).exercises.first()
    http = login(owner)
    http.post(reverse("programs:set-add", args=[program.pk, entry.pk]), **HX)
    assert entry.sets.count() == 3
    first = entry.sets.get(position=1)
    http.post(reverse("programs:set-remove", args=[program.pk, first.pk]))
    assert list(entry.sets.values_list("position", flat=True)) == [1, 2]


def test_weeks_and_days_are_added_copied_and_removed(login, owner, program):
    http = login(owner)
    week = program.weeks.get()
    http.post(reverse("programs:week-copy", args=[program.pk, week.pk]), **HX)
    assert program.weeks.count() == 2
    assert day_order(program.weeks.get(number=2).days.get(position=1)) == day_order(
        _first_day(program)
    )
    http.post(reverse("programs:week-add", args=[program.pk]))
    http.post(reverse("programs:day-add", args=[program.pk, week.pk]))
    assert week.days.count() == 3
    day = week.days.get(position=3)
    http.post(reverse("programs:day-update", args=[program.pk, day.pk]), {"name": "Legs"})
    day.refresh_from_db()
    assert day.name == "Legs"
    http.post(reverse("programs:day-remove", args=[program.pk, day.pk]))
    http.post(reverse("programs:week-remove", args=[program.pk, week.pk]))
    assert list(program.weeks.values_list("number", flat=True)) == [1, 2]


def test_a_53rd_week_is_refused_on_the_page(login, owner, program):
    from fitnesscrm.training.models import ProgramWeek

    ProgramWeek.objects.bulk_create(ProgramWeek(program=program, number=n) for n in range(2, 53))
    response = login(owner).post(reverse("programs:week-add", args=[program.pk]), **HX)
    assert response.status_code == 400
    assert b"at most 52 weeks" in response.content
    assert program.weeks.count() == 52


def test_copy_save_as_template_and_archive(login, owner, program):
    http = login(owner)
    copied = http.post(reverse("programs:copy", args=[program.pk]))
    copy = Program.objects.get(name="Copy of Strength base")
    assert copied["Location"] == reverse("programs:builder", args=[copy.pk])
    http.post(reverse("programs:save-as-template", args=[program.pk]))
    assert Program.objects.filter(is_template=True, source=program).count() == 1
    archived = http.post(reverse("programs:archive", args=[program.pk]))
    assert archived["Location"] == reverse("programs:list")
    program.refresh_from_db()
    assert program.archived_at is not None
    page = http.get(reverse("programs:builder", args=[program.pk]))
    assert b"archived and read-only" in page.content
    refused = http.post(reverse("programs:week-add", args=[program.pk]), **HX)
    assert refused.status_code == 409
    assert program.weeks.count() == 1


# --- A client's programs ----------------------------------------------------------------------


def test_a_trainer_assigns_a_program_to_their_client(login, trainer, gym, program):
    http = login(trainer)
    url = reverse("programs:client", args=[gym.member.pk])
    assert b"No programs yet" in http.get(url).content
    response = http.post(url, {"program": program.pk, "start_date": "2026-03-02"})
    assert response.status_code == 302
    copy = Program.objects.get(client=gym.member)
    assert copy.source == program and copy.status == "active"
    page = http.get(url)
    assert page.content.count(b'data-testid="client-program"') == 1


def test_the_assign_form_shows_its_errors_at_the_fields(login, owner, gym):
    empty = services.program_create(actor=owner, name="Empty")
    http = login(owner)
    url = reverse("programs:client", args=[gym.member.pk])
    no_date = http.post(url, {"program": empty.pk, "start_date": ""})
    assert no_date.status_code == 400 and b"is-invalid" in no_date.content
    no_exercises = http.post(url, {"program": empty.pk, "start_date": "2026-03-02"})
    assert no_exercises.status_code == 400 and b"no exercises yet" in no_exercises.content
    assert not Program.objects.filter(client=gym.member).exists()


def test_an_archived_client_cannot_be_given_a_program(login, owner, program):
    archived = MemberFactory(archived_at="2026-01-01T00:00:00Z")
    http = login(owner)
    url = reverse("programs:client", args=[archived.pk])
    assert b"restore them" in http.get(url).content
    response = http.post(url, {"program": program.pk, "start_date": "2026-03-02"})
    assert response.status_code == 400
    assert not Program.objects.filter(client=archived).exists()


def test_the_client_page_costs_the_same_queries_for_more_copies(login, owner, gym, program):
    http = login(owner)
    url = reverse("programs:client", args=[gym.member.pk])
    _copy_for(gym, program, owner)
    http.get(url)
    with CaptureQueriesContext(connection) as few:
        http.get(url)
    for _ in range(4):
        _copy_for(gym, program, owner)
    with CaptureQueriesContext(connection) as many:
        http.get(url)
    assert len(many) == len(few)


def test_stopping_a_clients_copy_from_the_builder(login, trainer, gym, program, owner):
    copy = _copy_for(gym, program, owner)
    http = login(trainer)
    http.post(reverse("programs:status", args=[copy.pk]), {"action": "complete"})
    copy.refresh_from_db()
    assert copy.status == "completed"
