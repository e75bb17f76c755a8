"""The staff progress page, measurement forms, consent panel and unit settings, per role."""

import html
from decimal import Decimal

import pytest

from fitnesscrm.clients.models import ConsentRecord
from fitnesscrm.progress.models import Goal, Measurement, ProgressSettings
from tests.factories import GoalFactory, MeasurementFactory, give_health_consent
from tests.progress.measurements.helpers import imperial


def page_url(client) -> str:
    return f"/progress/client/{client.pk}/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner", 200),
        ("manager", 200),
        ("trainer", 200),
        ("other_trainer", 404),
        ("front_desk", 403),
        ("client_user", 403),
        ("outsider", 403),
    ],
)
def test_who_opens_a_clients_progress_page(who, status, request, login, gym):
    response = login(request.getfixturevalue(who)).get(page_url(gym.member))
    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, gym):
    response = client.get(page_url(gym.member))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_guessed_ids_of_clients_a_trainer_does_not_coach_are_404(trainer, login, gym):
    browser = login(trainer)
    measurement = MeasurementFactory(client=gym.stranger)
    goal = GoalFactory(client=gym.stranger)
    for url in (
        page_url(gym.stranger),
        f"/progress/client/{gym.stranger.pk}/measurements/new/",
        f"/progress/measurements/{measurement.pk}/edit/",
        f"/progress/goals/{goal.pk}/edit/",
        "/progress/client/999999/",
    ):
        assert browser.get(url).status_code == 404, url
    for url in (
        f"/progress/measurements/{measurement.pk}/delete/",
        f"/progress/goals/{goal.pk}/abandon/",
        f"/progress/client/{gym.stranger.pk}/consent/",
    ):
        assert browser.post(url, {"method": "in_person", "confirm": "on"}).status_code == 404
    assert Measurement.objects.filter(pk=measurement.pk).exists()
    assert not ConsentRecord.objects.exists()


def test_the_page_shows_latest_values_bmi_goals_and_measurements_in_the_business_units(
    owner, login, gym
):
    imperial()
    give_health_consent(gym.member)
    MeasurementFactory(client=gym.member, weight_kg=None, height_cm=Decimal("180"))
    MeasurementFactory(client=gym.member, weight_kg=Decimal("85"), waist_cm=Decimal("81.3"))
    GoalFactory(client=gym.member)

    body = text_of(login(owner).get(page_url(gym.member)))

    assert "187.4 lb" in body and "32.0 in" in body
    assert "26.2" in body  # BMI: 85 kg, 1.80 m
    assert "Lose 10 kg" in body and 'value="50"' in body
    assert 'id="progress-chart-data"' in body
    assert "chartjs-4.5.1/chart.umd.min.js" in body
    assert "<script>" not in body and " style=" not in body


def test_without_consent_the_page_says_so_and_offers_no_measurement_form(owner, login, gym):
    browser = login(owner)
    body = text_of(browser.get(page_url(gym.member)))
    assert "has not agreed to health data being recorded" in body
    assert 'data-testid="add-measurement"' not in body

    form = text_of(browser.get(f"/progress/client/{gym.member.pk}/measurements/new/"))
    assert 'data-testid="measurement-form"' not in form
    response = browser.post(
        f"/progress/client/{gym.member.pk}/measurements/new/",
        {"measured_on": "2026-01-01", "weight_kg": "80"},
    )
    assert response.status_code == 400
    assert not Measurement.objects.exists()


def test_staff_record_a_consent_given_in_person_then_a_measurement_in_pounds(owner, login, gym):
    imperial()
    browser = login(owner)
    response = browser.post(
        f"/progress/client/{gym.member.pk}/consent/", {"method": "in_person", "confirm": "on"}
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert (record.granted, record.method, record.recorded_by) == (True, "in_person", owner)

    response = browser.post(
        f"/progress/client/{gym.member.pk}/measurements/new/",
        {"measured_on": "2026-01-01", "weight_kg": "187.4", "waist_cm": "32"},
    )
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.weight_kg, measurement.waist_cm) == (Decimal("85.0"), Decimal("81.3"))


def test_recording_consent_without_ticking_the_box_is_refused_at_the_field(owner, login, gym):
    response = login(owner).post(
        f"/progress/client/{gym.member.pk}/consent/", {"method": "in_person"}
    )
    assert response.status_code == 400
    assert "Tick the box to confirm the client agreed." in text_of(response)
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"weight_kg": "0"}, "Weight must be between 20 and 400 kg (44\u2013882 lb)."),
        ({"weight_kg": "2000"}, "Weight must be between 20 and 400 kg (44\u2013882 lb)."),
        ({"body_fat_pct": "120"}, "Body fat must be between 2 and 75%."),
        ({"weight_kg": "heavy"}, "Enter a number."),
        ({}, "Enter at least one measurement."),
    ],
)
def test_impossible_values_get_the_form_again_with_the_message_and_nothing_is_stored(
    trainer, login, gym, typed, message
):
    give_health_consent(gym.member)
    response = login(trainer).post(
        f"/progress/client/{gym.member.pk}/measurements/new/",
        {"measured_on": "2026-01-01", "notes": "kept", **typed},
    )
    assert response.status_code == 400
    body = text_of(response)
    assert message in body
    assert "kept" in body
    assert not Measurement.objects.exists()


def test_an_edit_form_in_pounds_saved_unchanged_keeps_the_stored_value(owner, login, gym):
    imperial()
    give_health_consent(gym.member)
    measurement = MeasurementFactory(client=gym.member, weight_kg=Decimal("85.3"))
    browser = login(owner)
    form = text_of(browser.get(f"/progress/measurements/{measurement.pk}/edit/"))
    assert 'value="188.05"' in form

    browser.post(
        f"/progress/measurements/{measurement.pk}/edit/",
        {"measured_on": measurement.measured_on.isoformat(), "weight_kg": "188.05"},
    )
    measurement.refresh_from_db()
    assert measurement.weight_kg == Decimal("85.3")


def test_a_measurement_is_deleted_by_post_only(owner, login, gym):
    measurement = MeasurementFactory(client=gym.member)
    browser = login(owner)
    assert browser.get(f"/progress/measurements/{measurement.pk}/delete/").status_code == 405
    response = browser.post(f"/progress/measurements/{measurement.pk}/delete/")
    assert response.status_code == 302
    assert not Measurement.objects.exists()


def test_staff_record_a_withdrawal_and_erase_the_data(trainer, login, gym):
    give_health_consent(gym.member)
    MeasurementFactory(client=gym.member)
    GoalFactory(client=gym.member)
    response = login(trainer).post(
        f"/progress/client/{gym.member.pk}/consent/withdraw/",
        {"method": "written", "delete_data": "on"},
    )
    assert response.status_code == 302
    assert not Measurement.objects.exists() and not Goal.objects.exists()
    assert ConsentRecord.objects.order_by("-id").first().method == "written"


def page_queries(browser, client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert browser.get(page_url(client)).status_code == 200
    return len(queries)


def test_the_page_takes_the_same_queries_however_many_measurements_and_goals(owner, login, gym):
    give_health_consent(gym.member)
    browser = login(owner)
    ProgressSettings.load()  # the settings row exists, as after the first page ever shown
    MeasurementFactory(client=gym.member)
    GoalFactory(client=gym.member)
    few = page_queries(browser, gym.member)
    for _ in range(30):
        MeasurementFactory(client=gym.member, waist_cm=Decimal("90"))
        GoalFactory(client=gym.member)
    assert page_queries(browser, gym.member) == few


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("manager", 200), ("trainer", 403), ("front_desk", 403), ("client_user", 403)],
)
def test_only_owners_and_managers_open_the_unit_settings(who, status, request, login, gym):
    assert login(request.getfixturevalue(who)).get("/progress/settings/").status_code == status


def test_a_manager_switches_to_imperial(manager, login, gym):
    response = login(manager).post("/progress/settings/", {"unit_system": "imperial"})
    assert response.status_code == 302
    assert ProgressSettings.load().unit_system == "imperial"
    bad = login(manager).post("/progress/settings/", {"unit_system": "cubits"})
    assert bad.status_code == 400
    assert ProgressSettings.load().unit_system == "imperial"
