"""Who reads the library, and how search and filters narrow it (selectors.exercises)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from fitnesscrm.core.errors import NotFound
from fitnesscrm.training.selectors.exercises import exercise_get, exercise_list


def names(queryset) -> list[str]:
    return [exercise.name for exercise in queryset]


def test_coaching_staff_and_clients_read_the_live_library_by_name(
    small_library, owner, manager, trainer, client_user
):
    live = [
        "Barbell back squat",
        "Barbell bench press",
        "Cable triceps kickback",
        "Développé couché haltères",
        "Plank",
    ]
    for user in (owner, manager, trainer, client_user):
        assert names(exercise_list(user=user)) == live


def test_the_front_desk_and_anonymous_visitors_see_no_exercise(small_library, front_desk):
    assert names(exercise_list(user=front_desk)) == []
    assert names(exercise_list(user=AnonymousUser())) == []
    assert names(exercise_list(user=None)) == []


def test_a_search_matches_words_of_the_name_whatever_their_case_or_order(small_library, trainer):
    assert names(exercise_list(user=trainer, q="BENCH")) == ["Barbell bench press"]
    assert names(exercise_list(user=trainer, q="press barbell")) == ["Barbell bench press"]
    assert names(exercise_list(user=trainer, q="  barbell  ")) == [
        "Barbell back squat",
        "Barbell bench press",
    ]
    assert names(exercise_list(user=trainer, q="deadlift")) == []


def test_a_search_typed_with_accents_finds_the_name_without_them_and_with_them(
    small_library, trainer
):
    assert names(exercise_list(user=trainer, q="plänk")) == ["Plank"]
    assert names(exercise_list(user=trainer, q="développé")) == ["Développé couché haltères"]


def test_the_muscle_filter_matches_primary_or_secondary_muscles(small_library, trainer):
    assert names(exercise_list(user=trainer, muscle="triceps")) == [
        "Barbell bench press",  # secondary
        "Cable triceps kickback",  # primary
    ]
    assert names(exercise_list(user=trainer, muscle="chest")) == [
        "Barbell bench press",
        "Développé couché haltères",
    ]


def test_equipment_category_and_level_filters_combine(small_library, trainer):
    assert names(exercise_list(user=trainer, equipment="bench")) == [
        "Barbell bench press",
        "Développé couché haltères",
    ]
    assert names(exercise_list(user=trainer, equipment="barbell", level="intermediate")) == [
        "Barbell back squat"
    ]
    assert names(exercise_list(user=trainer, category="core")) == ["Plank"]
    assert names(exercise_list(user=trainer, category="core", muscle="chest")) == []


def test_an_unknown_filter_value_matches_nothing_rather_than_everything(small_library, trainer):
    assert names(exercise_list(user=trainer, muscle="wings")) == []
    assert names(exercise_list(user=trainer, equipment="spaceship")) == []
    assert names(exercise_list(user=trainer, category="yoga")) == []


def test_archived_exercises_show_only_to_coaching_staff_who_ask_for_them(
    small_library, trainer, client_user
):
    assert "Old triceps drill" not in names(exercise_list(user=trainer))
    assert "Old triceps drill" in names(exercise_list(user=trainer, include_archived=True))
    assert "Old triceps drill" not in names(exercise_list(user=client_user, include_archived=True))


def test_a_page_of_exercises_costs_the_same_queries_however_long_it_is(
    small_library, trainer, django_assert_num_queries
):
    # One for the exercises, one each for primary muscles, secondary muscles, equipment.
    with django_assert_num_queries(4):
        rows = list(exercise_list(user=trainer))
        for exercise in rows:
            list(exercise.primary_muscles.all())
            list(exercise.secondary_muscles.all())
            list(exercise.equipment.all())
    assert len(rows) == 5


def test_one_exercise_opens_by_id_for_readers_even_when_archived(
    small_library, client_user, trainer
):
    assert exercise_get(user=client_user, exercise_id=small_library.plank.pk).name == "Plank"
    retired = exercise_get(user=trainer, exercise_id=small_library.retired.pk)
    assert retired.archived_at is not None
    assert exercise_get(user=client_user, exercise_id=small_library.retired.pk) == retired


def test_one_exercise_is_not_found_for_the_front_desk_or_a_guessed_id(
    small_library, front_desk, trainer
):
    with pytest.raises(NotFound):
        exercise_get(user=front_desk, exercise_id=small_library.plank.pk)
    with pytest.raises(NotFound):
        exercise_get(user=AnonymousUser(), exercise_id=small_library.plank.pk)
    with pytest.raises(NotFound):
        exercise_get(user=trainer, exercise_id=small_library.plank.pk + 10_000)
