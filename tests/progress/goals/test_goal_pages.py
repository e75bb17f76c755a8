"""Setting and changing goals on the staff pages: per role, errors at the field, units."""

import html
from decimal import Decimal

import pytest

from fitnesscrm.progress.models import Goal, GoalStatus
from tests.factories import GoalFactory, give_health_consent
from tests.progress.measurements.helpers import imperial


def text_of(response) -> str:
    return html.unescape(response.content.decode())


FORM = {
    "title": "Slimmer waist",
    "metric": "waist_cm",
    "start_value": "100",
    "target_value": "90",
    "start_date": "2026-01-01",
    "target_date": "2099-01-01",
    "milestones": "95",
}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("trainer", 200),
        ("other_trainer", 404),
        ("front_desk", 403),
        ("client_user", 403),
    ],
)
def test_who_opens_the_new_goal_form(who, status, request, login, gym):
    response = login(request.getfixturevalue(who)).get(
        f"/progress/client/{gym.member.pk}/goals/new/"
    )
    assert response.status_code == status


def test_a_trainer_sets_a_waist_goal_in_inches(trainer, login, gym):
    imperial()
    give_health_consent(gym.member)
    response = login(trainer).post(
        f"/progress/client/{gym.member.pk}/goals/new/",
        {**FORM, "start_value": "40", "target_value": "36", "milestones": "38"},
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.start_value, goal.target_value) == (Decimal("101.60"), Decimal("91.40"))
    assert goal.milestones.get().value == Decimal("96.50")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target_value": "100"}, "The target must differ from the start value"),
        ({"target_date": "2025-12-01"}, "The target date must be after the start date."),
        ({"milestones": "120"}, "Milestones must lie between the start"),
        ({"milestones": "soon"}, "“soon” is not a number."),
        ({"metric": "e1rm_kg"}, "Choose the exercise whose estimated 1RM this goal is for."),
        ({"title": ""}, "Give the goal a title"),
    ],
)
def test_a_bad_goal_gets_the_form_again_with_the_message(owner, login, gym, change, message):
    give_health_consent(gym.member)
    response = login(owner).post(f"/progress/client/{gym.member.pk}/goals/new/", {**FORM, **change})
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Goal.objects.exists()


def test_editing_a_goal_changes_the_target_and_abandoning_keeps_it(owner, login, gym):
    give_health_consent(gym.member)
    goal = GoalFactory(client=gym.member)
    browser = login(owner)
    response = browser.post(
        f"/progress/goals/{goal.pk}/edit/",
        {"title": "Lose 12 kg", "target_value": "78", "target_date": "2099-01-01"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.target_value) == ("Lose 12 kg", Decimal("78.00"))

    assert browser.post(f"/progress/goals/{goal.pk}/abandon/").status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ABANDONED
