"""The client's own progress in the portal: consent, their measurements, personal goals."""

import html
from decimal import Decimal

import pytest

from fitnesscrm.clients.models import ConsentRecord
from fitnesscrm.progress.models import Goal, Measurement
from tests.factories import GoalFactory, MeasurementFactory, give_health_consent
from tests.progress.measurements.helpers import imperial

INDEX = "/portal/progress/"
CONSENT = "/portal/progress/consent/"
ADD = "/portal/progress/measurements/new/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("client_user", 200),
        ("outsider", 200),
        ("owner", 403),
        ("trainer", 403),
        ("front_desk", 403),
    ],
)
def test_the_portal_page_is_for_clients(who, status, request, login, gym):
    assert login(request.getfixturevalue(who)).get(INDEX).status_code == status


def test_a_client_without_consent_sees_the_notice_and_no_form(client_user, login, gym):
    browser = login(client_user)
    body = text_of(browser.get(INDEX))
    assert "You have not agreed to health data being recorded" in body
    assert 'data-testid="add-measurement"' not in body
    assert 'data-testid="measurement-form"' not in text_of(browser.get(ADD))


def test_the_client_reads_the_wording_gives_consent_and_records_a_weight_in_pounds(
    client_user, login, gym
):
    imperial()
    browser = login(client_user)
    page = text_of(browser.get(CONSENT))
    assert "I agree that my body measurements" in page

    assert browser.post(CONSENT, {"action": "give", "confirm": "on"}).status_code == 302
    response = browser.post(ADD, {"measured_on": "2026-01-05", "weight_kg": "176"})
    assert response.status_code == 302

    measurement = Measurement.objects.get()
    assert (measurement.client, measurement.weight_kg) == (gym.member, Decimal("79.8"))
    assert measurement.recorded_by == client_user
    assert "175.9 lb" in text_of(browser.get(INDEX))


def test_giving_consent_needs_the_box_ticked(client_user, login, gym):
    response = login(client_user).post(CONSENT, {"action": "give"})
    assert response.status_code == 400
    assert "Tick “I agree” to give your consent." in text_of(response)
    assert not ConsentRecord.objects.exists()


def test_the_client_withdraws_and_erases_their_data(client_user, login, gym):
    give_health_consent(gym.member)
    MeasurementFactory(client=gym.member)
    response = login(client_user).post(CONSENT, {"action": "withdraw", "delete_data": "on"})
    assert response.status_code == 302
    assert not Measurement.objects.exists()
    assert ConsentRecord.objects.order_by("-id").first().granted is False


def test_a_client_sees_only_their_own_measurements_and_cannot_touch_others(client_user, login, gym):
    give_health_consent(gym.member)
    MeasurementFactory(client=gym.member, weight_kg=Decimal("81"))
    theirs = MeasurementFactory(client=gym.stranger, weight_kg=Decimal("99.9"))
    trainer_recorded = MeasurementFactory(client=gym.member, weight_kg=Decimal("82"))
    stranger_goal = GoalFactory(client=gym.stranger)
    browser = login(client_user)

    body = text_of(browser.get(INDEX))
    assert "81.0 kg" in body and "99.9" not in body
    for url in (
        f"/portal/progress/measurements/{theirs.pk}/edit/",
        f"/portal/progress/measurements/{trainer_recorded.pk}/edit/",
        f"/portal/progress/goals/{stranger_goal.pk}/edit/",
    ):
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"/portal/progress/measurements/{theirs.pk}/delete/").status_code == 404
    assert Measurement.objects.count() == 3


def test_a_client_sets_a_personal_goal_in_pounds(client_user, login, gym):
    imperial()
    give_health_consent(gym.member)
    response = login(client_user).post(
        "/portal/progress/goals/new/",
        {
            "title": "Get under 180",
            "metric": "weight_kg",
            "start_value": "190",
            "target_value": "180",
            "start_date": "2026-01-01",
            "target_date": "2099-01-01",
            "milestones": "185",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.start_value, goal.target_value) == (Decimal("86.20"), Decimal("81.60"))
    assert goal.created_by == client_user
    assert [m.value for m in goal.milestones.all()] == [Decimal("83.90")]


def test_a_goal_whose_target_equals_its_start_gets_the_form_again(client_user, login, gym):
    give_health_consent(gym.member)
    response = login(client_user).post(
        "/portal/progress/goals/new/",
        {
            "title": "Stay",
            "metric": "weight_kg",
            "start_value": "80",
            "target_value": "80",
            "target_date": "2099-01-01",
        },
    )
    assert response.status_code == 400
    assert "The target must differ from the start value" in text_of(response)
    assert not Goal.objects.exists()


@pytest.mark.parametrize("consented", [False, True])
def test_a_consent_post_without_a_choice_is_shown_again_and_changes_nothing(
    consented, client_user, login, gym
):
    if consented:
        give_health_consent(gym.member)
    before = list(ConsentRecord.objects.values_list("pk", "granted"))

    response = login(client_user).post(CONSENT, {})

    assert response.status_code == 400
    assert "Choose to give or to withdraw your consent." in text_of(response)
    assert list(ConsentRecord.objects.values_list("pk", "granted")) == before
