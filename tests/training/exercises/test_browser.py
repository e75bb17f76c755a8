"""The exercise library in Chromium on a phone: search, filter without a reload, open one."""

import re

import pytest
from playwright.sync_api import expect

from fitnesscrm.training.library import exercise_library_sync
from tests.browser_fixtures import PHONE, page_width
from tests.factories import ExerciseFactory, MuscleGroupFactory

pytestmark = pytest.mark.browser


def test_on_a_phone_a_trainer_searches_filters_and_opens_an_exercise(
    live_server, new_page, sign_in, trainer, artifacts, console
):
    exercise_library_sync()
    ExerciseFactory(
        name="Goblet squat pulse",
        primary_muscles=[MuscleGroupFactory(slug="quadriceps")],
        instructions="1. Sit in a goblet squat.\n2. Pulse up and down a few centimetres.",
    )
    page = new_page(viewport=PHONE)
    sign_in(page, trainer)

    page.goto(f"{live_server.url}/training/exercises/")
    expect(page.get_by_test_id("page-title")).to_have_text("Exercise library")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Search").fill("squat")
    expect(page.get_by_test_id("exercise-count")).to_contain_text("match")
    expect(page).to_have_url(re.compile(r"[?&]q=squat"))
    for name in page.get_by_test_id("exercise-row").locator("a").all_inner_texts():
        assert "squat" in name.lower()

    own = page.get_by_test_id("exercise-row").filter(has_text="Goblet squat pulse")
    expect(own.get_by_test_id("custom-badge")).to_have_text("Custom")

    page.get_by_label("Equipment").select_option(label="Kettlebell")
    expect(page.get_by_test_id("exercise-count")).to_have_text("2 exercises match")
    expect(page.get_by_test_id("exercise-row").locator("a")).to_have_text(
        ["Double kettlebell front squat", "Goblet squat"]
    )
    expect(page).to_have_url(re.compile(r"[?&]equipment=kettlebell"))
    assert page.evaluate("window.stillTheSamePage") is True, "htmx swapped the results"
    assert page_width(page) <= PHONE["width"], "the list scrolls sideways"
    page.screenshot(path=str(artifacts / "exercise-library-375.png"), full_page=True)

    page.get_by_role("link", name="Goblet squat", exact=True).click()
    expect(page.get_by_test_id("exercise-name")).to_have_text("Goblet squat")
    expect(page.get_by_test_id("exercise-steps").locator("li")).to_have_count(3)
    expect(page.get_by_test_id("primary-muscles")).to_have_text("Glutes, Quadriceps")
    expect(page.get_by_test_id("equipment")).to_have_text("Dumbbell, Kettlebell")
    assert page_width(page) <= PHONE["width"], "the detail page scrolls sideways"
    assert console.errors == []
