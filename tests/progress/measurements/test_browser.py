"""In Chromium: the staff page draws its charts; on a phone, a client consents and weighs in."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fitnesscrm.progress.models import Measurement
from tests.browser_fixtures import PHONE, page_width
from tests.factories import (
    ExerciseFactory,
    GoalFactory,
    MeasurementFactory,
    build_gym,
    give_health_consent,
)
from tests.progress.measurements.helpers import imperial, log_set

pytestmark = pytest.mark.browser

PAINTED = """(canvas) => {
  const {width, height} = canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return painted;
}"""


def test_the_staff_page_draws_every_chart_without_console_errors(
    live_server, new_page, sign_in, trainer, client_user, outsider, artifacts, console
):
    gym = build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    give_health_consent(gym.member)
    today = timezone.localdate()
    squat = ExerciseFactory(name="Back squat")
    for weeks in range(6, -1, -1):
        day = today - timedelta(weeks=weeks)
        MeasurementFactory(
            client=gym.member,
            measured_on=day,
            weight_kg=Decimal("84") + weeks * Decimal("0.8"),
            body_fat_pct=Decimal("24") + weeks * Decimal("0.4"),
            waist_cm=Decimal("95") + weeks,
            hips_cm=Decimal("105") + Decimal(weeks) / 2,
        )
        log_set(gym.member, squat, day, reps=5, load_kg=str(80 + 10 - weeks))
    MeasurementFactory(client=gym.member, weight_kg=None, height_cm=Decimal("180"))
    GoalFactory(client=gym.member, start_date=today - timedelta(weeks=7))

    page = new_page()
    sign_in(page, trainer)
    page.goto(f"{live_server.url}/progress/client/{gym.member.pk}/")

    expect(page.get_by_test_id("page-title")).to_have_text("Progress of Cleo Member")
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(4)
    for index in range(4):
        canvas = canvases.nth(index)
        expect(canvas).to_have_attribute("data-drawn", "true")
        assert canvas.evaluate(PAINTED) > 500, canvas.get_attribute("data-chart")
    expect(page.get_by_test_id("latest-bmi")).to_contain_text("BMI")
    expect(page.get_by_test_id("goal")).to_contain_text("Lose 10 kg")
    page.screenshot(path=str(artifacts / "progress-staff-charts.png"), full_page=True)
    assert console.errors == []


def test_on_a_phone_a_client_gives_consent_and_records_a_weight_in_pounds(
    live_server, new_page, sign_in, trainer, client_user, outsider, artifacts, console
):
    build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    imperial()
    page = new_page(viewport=PHONE)
    sign_in(page, client_user)

    page.goto(f"{live_server.url}/portal/progress/")
    expect(page.get_by_test_id("no-consent")).to_contain_text("You have not agreed")
    expect(page.get_by_test_id("add-measurement")).to_have_count(0)
    assert page_width(page) <= PHONE["width"], "the progress page scrolls sideways"
    page.screenshot(path=str(artifacts / "progress-portal-no-consent-375.png"), full_page=True)

    page.get_by_test_id("give-consent-link").click()
    expect(page.get_by_test_id("consent-wording")).to_contain_text("I agree that my body")
    page.get_by_label("I agree").check()
    page.get_by_test_id("give-consent").click()
    expect(page.get_by_test_id("no-consent")).to_have_count(0)

    page.get_by_test_id("add-measurement").click()
    page.get_by_label("Weight (lb)").fill("176.5")
    page.get_by_label("Waist (in)").fill("33")
    assert page_width(page) <= PHONE["width"], "the measurement form scrolls sideways"
    page.screenshot(path=str(artifacts / "progress-portal-form-375.png"), full_page=True)
    page.get_by_test_id("save-measurement").click()

    expect(page.get_by_test_id("latest-weight_kg")).to_contain_text("176.6 lb")
    expect(page.get_by_test_id("latest-waist_cm")).to_contain_text("33.0 in")
    measurement = Measurement.objects.get()
    assert (measurement.weight_kg, measurement.waist_cm) == (Decimal("80.1"), Decimal("83.8"))
    expect(page.locator('canvas[data-chart="body"]')).to_have_attribute("data-drawn", "true")
    assert page_width(page) <= PHONE["width"], "the progress page scrolls sideways"
    page.screenshot(path=str(artifacts / "progress-portal-375.png"), full_page=True)
    assert console.errors == []
