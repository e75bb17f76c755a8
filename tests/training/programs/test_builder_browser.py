"""The builder in Chromium: exercises dragged into order and onto another day, a set edited
inline with its error shown at the field, the order kept after a reload, an exercise added
from the picker, and a program assigned to a client; on a desktop and at 375 px."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fitnesscrm.training.models import Program, ProgramSet
from tests.browser_fixtures import PHONE, page_width
from tests.training.programs.conftest import build_program, day_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _names(page: Page, day_index: int) -> list[str]:
    day = page.get_by_test_id("day").nth(day_index)
    return day.get_by_test_id("entry-name").all_inner_texts()


def _drag(page: Page, source, target, *, below: bool = False) -> None:
    """Press on `source`'s handle, move in steps over `target`, release: a person's drag."""
    start = source.get_by_test_id("drag").bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 24, start["y"] + start["height"] / 2 + 6, steps=4)
    y = end["y"] + (end["height"] - 6 if below else 6)
    with page.expect_response(lambda r: "/order/" in r.url):
        page.mouse.move(end["x"] + 30, y, steps=15)
        page.mouse.up()


def test_a_trainer_drags_exercises_into_order_edits_a_set_and_the_order_survives_a_reload(
    new_page, live_server, sign_in, trainer, gym, exercises, artifacts
):
    program = build_program(exercises)
    # Tall enough for the whole day: the mouse drags between points on the screen.
    page = new_page(viewport={"width": 1280, "height": 2000})
    sign_in(page, trainer)
    page.goto(f"{live_server.url}/training/programs/{program.pk}/")
    assert _names(page, 0) == ["Squat (test)", "Bench (test)", "Row (test)"]

    day_a = page.get_by_test_id("day").nth(0)
    row = day_a.get_by_test_id("entry").filter(has_text="Row (test)")
    squat = day_a.get_by_test_id("entry").filter(has_text="Squat (test)")
    _drag(page, row, squat.get_by_test_id("drag"))
    expect(page.get_by_test_id("day").nth(0).get_by_test_id("entry-name")).to_have_text(
        ["Row (test)", "Squat (test)", "Bench (test)"]
    )

    # Onto the other day, which is empty.
    bench = page.get_by_test_id("day").nth(0).get_by_test_id("entry").filter(has_text="Bench")
    _drag(page, bench, page.get_by_test_id("day").nth(1).get_by_test_id("day-exercises"))
    expect(page.get_by_test_id("day").nth(1).get_by_test_id("entry-name")).to_have_text(
        ["Bench (test)"]
    )
    first_day = program.weeks.get().days.get(position=1)
    assert day_order(first_day) == ["Row (test)", "Squat (test)"]

    # A set edited inline: a bad load shows its message at the field, a good one saves.
    first_set = page.get_by_test_id("day").nth(0).get_by_test_id("set").first
    load = first_set.get_by_label("Load")
    load.fill("-5")
    with page.expect_response(lambda r: "/sets/" in r.url):
        load.press("Tab")
    error = (
        page.get_by_test_id("day").nth(0).get_by_test_id("set").first.get_by_test_id("set-error")
    )
    expect(error).to_have_text("A load is from 0 to 1000.")
    expect(
        page.get_by_test_id("day").nth(0).get_by_test_id("set").first.get_by_label("Load")
    ).to_have_class("form-control is-invalid")
    page.screenshot(path=str(artifacts / "program-builder-error.png"), full_page=True)
    load = page.get_by_test_id("day").nth(0).get_by_test_id("set").first.get_by_label("Load")
    load.fill("72.5")
    with page.expect_response(lambda r: "/sets/" in r.url):
        load.press("Tab")
    expect(page.get_by_test_id("set-saved")).to_be_visible()
    row_entry = first_day.exercises.get(position=1)
    assert row_entry.sets.get(position=1).load == Decimal("72.5")

    page.reload()
    assert _names(page, 0) == ["Row (test)", "Squat (test)"]
    assert _names(page, 1) == ["Bench (test)"]
    page.screenshot(path=str(artifacts / "program-builder-desktop.png"), full_page=True)


def test_an_exercise_is_added_from_the_picker_without_a_reload(
    page, live_server, sign_in, owner, exercises
):
    program = build_program(exercises)
    sign_in(page, owner)
    page.goto(f"{live_server.url}/training/programs/{program.pk}/")
    page.evaluate("window.notReloaded = true")
    day_b = page.get_by_test_id("day").nth(1)
    day_b.get_by_test_id("picker-search").fill("Plank (te")
    day_b.get_by_role("button", name="Add Plank (test)").click()
    expect(page.get_by_test_id("day").nth(1).get_by_test_id("entry-name")).to_have_text(
        ["Plank (test)"]
    )
    assert page.evaluate("window.notReloaded") is True
    # A time exercise shows time, not reps.
    plank_set = page.get_by_test_id("day").nth(1).get_by_test_id("set").first
    expect(plank_set.get_by_label("Time (s)")).to_have_value("30")


def test_at_375px_the_days_stack_and_nothing_scrolls_sideways(
    new_page, live_server, sign_in, owner, exercises, artifacts
):
    program = build_program(exercises)
    page = new_page(viewport=PHONE)
    sign_in(page, owner)
    page.goto(f"{live_server.url}/training/programs/{program.pk}/")
    days = page.get_by_test_id("day")
    first, second = days.nth(0).bounding_box(), days.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] - 1
    assert page_width(page) <= 375
    page.screenshot(path=str(artifacts / "program-builder-375.png"), full_page=True)
    page.goto(f"{live_server.url}/training/programs/")
    assert page_width(page) <= 375


def test_a_trainer_assigns_a_program_to_their_client(
    page, live_server, sign_in, trainer, gym, exercises, artifacts
):
    program = build_program(exercises, name="Starter plan", is_template=True)
    sign_in(page, trainer)
    page.goto(f"{live_server.url}/training/programs/client/{gym.member.pk}/")
    form = page.get_by_test_id("assign-form")
    form.get_by_label("Program", exact=True).select_option(label="Starter plan")
    form.get_by_label("Start date").fill("2026-03-02")
    page.get_by_test_id("assign-submit").click()
    expect(page.get_by_test_id("client-program")).to_have_count(1)
    page.screenshot(path=str(artifacts / "program-client.png"), full_page=True)
    copy = Program.objects.get(client=gym.member)
    assert copy.source == program
    page.get_by_role("link", name="Starter plan").click()
    expect(page.get_by_test_id("program-status")).to_have_text("Active")
    assert ProgramSet.objects.filter(program_exercise__day__week__program=copy).count() == 6
