"""/api/v1/programs (+ weeks, days, exercises) and /api/v1/clients/{id}/programs."""

from datetime import date

import pytest

from fitnesscrm.core.models import IdempotentRequest
from fitnesscrm.training.models import Program, ProgramExercise, ProgramSet, ProgramTag
from fitnesscrm.training.services import programs as services
from tests.training.programs.conftest import build_program, send

pytestmark = pytest.mark.django_db

PROGRAMS = "/api/v1/programs"


def _copy_for(gym, program, owner):
    return services.program_assign(
        actor=owner, program=program, client=gym.member, start_date=date(2026, 3, 2)
    )


def test_a_trainer_lists_the_library_filtered_by_tag_and_templates(api, trainer, exercises):
    strength = build_program(exercises, name="Strength A", is_template=True)
    strength.tags.set([ProgramTag.objects.create(name="Strength")])
    build_program(exercises, name="Cardio B")
    http = api(trainer)
    body = http.get(PROGRAMS).json()
    assert [p["name"] for p in body["items"]] == ["Cardio B", "Strength A"]
    assert body["items"][1]["week_count"] == 1
    assert [p["name"] for p in http.get(f"{PROGRAMS}?tag=strength").json()["items"]] == [
        "Strength A"
    ]
    assert http.get(f"{PROGRAMS}?templates=true").json()["count"] == 1


def test_the_library_list_costs_the_same_queries_for_more_programs(
    api, owner, exercises, django_assert_max_num_queries
):
    http = api(owner)
    build_program(exercises, name="P1").tags.set([ProgramTag.objects.create(name="a")])
    http.get(PROGRAMS)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        http.get(PROGRAMS)
    for n in range(2, 8):
        build_program(exercises, name=f"P{n}").tags.set([ProgramTag.objects.create(name=f"t{n}")])
    with CaptureQueriesContext(connection) as many:
        assert http.get(PROGRAMS).json()["count"] == 7
    assert len(many) == len(few)


def test_the_front_desk_and_clients_get_403_on_the_library(api, front_desk, client_user):
    for user in (front_desk, client_user):
        response = api(user).get(PROGRAMS)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_anonymous_callers_get_401(client):
    assert client.get(PROGRAMS).status_code == 401


def test_creating_a_program_honours_the_idempotency_key(api, trainer):
    http = api(trainer)
    data = {"name": "Push pull", "tags": ["Strength"], "is_template": True}
    first = send(http, "post", PROGRAMS, data, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = send(http, "post", PROGRAMS, data, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Program.objects.filter(name="Push pull").count() == 1
    assert first.json()["weeks"][0]["days"][0]["exercises"] == []
    assert IdempotentRequest.objects.count() == 1


def test_the_whole_tree_comes_back_in_order(api, owner, exercises):
    program = build_program(exercises, weeks=2)
    body = api(owner).get(f"{PROGRAMS}/{program.pk}").json()
    assert [w["number"] for w in body["weeks"]] == [1, 2]
    day = body["weeks"][0]["days"][0]
    assert [e["exercise"]["name"] for e in day["exercises"]] == [
        "Squat (test)",
        "Bench (test)",
        "Row (test)",
    ]
    assert day["exercises"][0]["sets"][0] | {"id": 0} == {
        "id": 0,
        "position": 1,
        "is_warmup": False,
        "reps_min": 5,
        "reps_max": 5,
        "load": 60.0,
        "load_unit": "kg",
        "rpe": None,
        "rir": None,
        "tempo": "",
        "rest_seconds": None,
        "duration_seconds": None,
        "distance_m": None,
    }


def test_the_tree_costs_the_same_queries_however_many_exercises(api, owner, exercises):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = build_program(exercises, weeks=1, name="Small")
    big = build_program(exercises, weeks=4, name="Big")
    http = api(owner)
    http.get(f"{PROGRAMS}/{small.pk}")
    with CaptureQueriesContext(connection) as few:
        http.get(f"{PROGRAMS}/{small.pk}")
    with CaptureQueriesContext(connection) as many:
        http.get(f"{PROGRAMS}/{big.pk}")
    assert len(many) == len(few)


def test_building_a_day_through_the_api(api, trainer, exercises):
    http = api(trainer)
    program = send(http, "post", PROGRAMS, {"name": "API built"}).json()
    day_id = program["weeks"][0]["days"][0]["id"]
    url = f"{PROGRAMS}/{program['id']}/days/{day_id}/exercises"
    first = send(
        http,
        "post",
        url,
        {
            "exercise": exercises["squat"].pk,
            "sets": [{"reps_min": 8, "reps_max": 10, "load": "80", "rpe": 8}],
            "progression_step": "2.5",
        },
    )
    assert first.status_code == 201, first.content
    assert first.json()["progression_step"] == 2.5
    second = send(http, "post", url, {"exercise": exercises["bench"].pk}).json()
    assert len(second["sets"]) == 3
    moved = send(
        http, "patch", f"{PROGRAMS}/{program['id']}/exercises/{second['id']}", {"position": 1}
    )
    assert moved.json()["position"] == 1
    day = send(http, "post", f"{PROGRAMS}/{program['id']}/days", {"week": 1, "name": "Legs"})
    assert day.status_code == 201 and day.json()["position"] == 2
    to_day = send(
        http,
        "patch",
        f"{PROGRAMS}/{program['id']}/exercises/{second['id']}",
        {"day": day.json()["id"], "sets": [{"reps_min": 5, "load_unit": "lb", "load": 135}]},
    ).json()
    assert to_day["day_id"] == day.json()["id"]
    assert [(s["reps_min"], s["load"], s["load_unit"]) for s in to_day["sets"]] == [
        (5, 135.0, "lb")
    ]
    week = send(http, "post", f"{PROGRAMS}/{program['id']}/weeks", {"copy_of": 1})
    assert week.status_code == 201 and week.json()["number"] == 2
    assert len(week.json()["days"]) == 2
    renamed = send(http, "patch", f"{PROGRAMS}/{program['id']}/days/{day_id}", {"name": "Push"})
    assert renamed.json()["name"] == "Push"
    assert (
        http.delete(f"{PROGRAMS}/{program['id']}/exercises/{first.json()['id']}").status_code == 204
    )
    assert http.delete(f"{PROGRAMS}/{program['id']}/days/{day_id}").status_code == 204


@pytest.mark.parametrize(
    ("set_values", "field"),
    [
        ({"reps_min": 10, "reps_max": 5}, "sets.0.reps_max"),
        ({"load": -5}, "sets.0.load"),
        ({"rpe": 11}, "sets.0.rpe"),
        ({"tempo": "fast"}, "sets.0.tempo"),
    ],
)
def test_a_bad_set_is_refused_with_422_naming_the_field_and_nothing_is_stored(
    api, owner, exercises, program, set_values, field
):
    day = program.weeks.get().days.get(position=2)
    before = ProgramExercise.objects.count()
    response = send(
        api(owner),
        "post",
        f"{PROGRAMS}/{program.pk}/days/{day.pk}/exercises",
        {"exercise": exercises["squat"].pk, "sets": [set_values]},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == [field]
    assert ProgramExercise.objects.count() == before


def test_a_53rd_week_is_refused(api, owner, program):
    from fitnesscrm.training.models import ProgramWeek

    ProgramWeek.objects.bulk_create(ProgramWeek(program=program, number=n) for n in range(2, 53))
    response = send(api(owner), "post", f"{PROGRAMS}/{program.pk}/weeks", {})
    assert response.status_code == 422
    assert "at most 52 weeks" in response.json()["detail"]
    assert program.weeks.count() == 52


def test_an_unknown_exercise_or_day_answers_404(api, owner, program):
    day = program.weeks.get().days.first()
    http = api(owner)
    response = send(
        http, "post", f"{PROGRAMS}/{program.pk}/days/{day.pk}/exercises", {"exercise": 999999}
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "exercise"
    assert send(http, "patch", f"{PROGRAMS}/{program.pk}/days/999999", {}).status_code == 404


def test_copy_and_template_and_archive(api, owner, program):
    http = api(owner)
    copy = send(http, "post", f"{PROGRAMS}/{program.pk}/copy", {"name": "Mine"})
    assert copy.status_code == 201 and copy.json()["name"] == "Mine"
    template = send(http, "post", f"{PROGRAMS}/{program.pk}/copy", {"as_template": True}).json()
    assert template["is_template"] is True and template["source_id"] == program.pk
    assert http.delete(f"{PROGRAMS}/{program.pk}").status_code == 204
    program.refresh_from_db()
    assert program.archived_at is not None
    assert http.get(f"{PROGRAMS}/{program.pk}").status_code == 200
    refused = send(http, "patch", f"{PROGRAMS}/{program.pk}", {"name": "Again"})
    assert refused.status_code == 409


def test_assigning_to_a_client_and_listing_their_programs(api, trainer, gym, program):
    http = api(trainer)
    url = f"/api/v1/clients/{gym.member.pk}/programs"
    data = {"program": program.pk, "start_date": "2026-03-02"}
    response = send(http, "post", url, data, HTTP_IDEMPOTENCY_KEY="assign-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["client"] == {"id": gym.member.pk, "name": "Cleo Member"}
    assert (body["status"], body["start_date"], body["source_id"]) == (
        "active",
        "2026-03-02",
        program.pk,
    )
    assert send(http, "post", url, data, HTTP_IDEMPOTENCY_KEY="assign-1").json()["id"] == body["id"]
    assert Program.objects.filter(client=gym.member).count() == 1
    listed = http.get(url).json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]


def test_assignment_refusals(api, trainer, owner, gym, program):
    http = api(trainer)
    stranger = send(
        http,
        "post",
        f"/api/v1/clients/{gym.stranger.pk}/programs",
        {"program": program.pk, "start_date": "2026-03-02"},
    )
    assert stranger.status_code == 404
    backwards = send(
        http,
        "post",
        f"/api/v1/clients/{gym.member.pk}/programs",
        {"program": program.pk, "start_date": "2026-03-02", "end_date": "2026-03-01"},
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "end_date"
    empty = services.program_create(actor=owner, name="Empty")
    nothing = send(
        http,
        "post",
        f"/api/v1/clients/{gym.member.pk}/programs",
        {"program": empty.pk, "start_date": "2026-03-02"},
    )
    assert nothing.status_code == 422
    assert nothing.json()["errors"][0]["field"] == "program"
    assert not Program.objects.filter(client__isnull=False).exists()


def test_a_client_reads_their_own_copies_but_cannot_change_them(
    api, client_user, owner, gym, program
):
    copy = _copy_for(gym, program, owner)
    http = api(client_user)
    assert http.get(f"{PROGRAMS}/{copy.pk}").status_code == 200
    assert http.get(f"/api/v1/clients/{gym.member.pk}/programs").json()["count"] == 1
    assert send(http, "patch", f"{PROGRAMS}/{copy.pk}", {"name": "Mine"}).status_code == 403
    assert http.get(f"{PROGRAMS}/{program.pk}").status_code == 404


@pytest.mark.parametrize("who", ["other_trainer", "front_desk", "outsider"])
def test_others_guessing_ids_of_a_clients_copy_get_404(
    api, who, owner, gym, program, front_desk, outsider
):
    copy = _copy_for(gym, program, owner)
    user = {"other_trainer": gym.other_coach.user, "front_desk": front_desk,
            "outsider": outsider}[who]  # fmt: skip
    http = api(user)
    entry = ProgramExercise.objects.filter(day__week__program=copy).first()
    assert http.get(f"{PROGRAMS}/{copy.pk}").status_code == 404
    assert send(http, "patch", f"{PROGRAMS}/{copy.pk}", {"name": "x"}).status_code == 404
    assert http.delete(f"{PROGRAMS}/{copy.pk}").status_code == 404
    assert (
        send(
            http, "patch", f"{PROGRAMS}/{copy.pk}/exercises/{entry.pk}", {"superset": "A"}
        ).status_code
        == 404
    )
    assert http.get(f"/api/v1/clients/{gym.member.pk}/programs").status_code == 404
    assert ProgramSet.objects.filter(program_exercise__day__week__program=copy).count() == 6
    copy.refresh_from_db()
    assert copy.archived_at is None


def test_an_exercise_id_of_another_program_answers_404(api, owner, exercises, program):
    other = build_program(exercises, name="Other")
    entry = ProgramExercise.objects.filter(day__week__program=other).first()
    response = send(
        api(owner), "patch", f"{PROGRAMS}/{program.pk}/exercises/{entry.pk}", {"superset": "A"}
    )
    assert response.status_code == 404
