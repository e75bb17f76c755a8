"""On a phone, a client logs today's workout with an extra set and sees the new record;
the trainer then sees the adherence."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.training.models import WorkoutLog
from tests.browser_fixtures import DESKTOP, PHONE, page_width

pytestmark = pytest.mark.browser


@pytest.fixture
def shot(artifacts):
    def _shot(page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"workouts-{name}.png"), full_page=True)

    return _shot


def test_on_a_phone_a_client_logs_today_adds_a_set_and_sees_a_new_record(
    live_server, new_page, sign_in, gym, plan, client_user, trainer, shot
):
    page = new_page(viewport=PHONE)
    sign_in(page, client_user)
    page.goto(f"{live_server.url}/portal/training/")
    expect(page.get_by_test_id("page-title")).to_have_text("Today's workout")
    expect(page.get_by_test_id("today-day")).to_contain_text("Day A")
    cards = page.get_by_test_id("exercise-card")
    expect(cards).to_have_count(2)
    squat = cards.nth(0)
    expect(squat.get_by_test_id("plan").first).to_contain_text(
        "5 reps \N{MULTIPLICATION SIGN} 102.5 kg"
    )
    loads = squat.get_by_label("Load")
    expect(loads.first).to_have_value("102.5")
    assert loads.first.get_attribute("inputmode") == "decimal"
    assert squat.get_by_label("Reps").first.get_attribute("inputmode") == "numeric"
    assert page_width(page) <= PHONE["width"], "today's workout"
    shot(page, "today")

    loads.nth(2).fill("120")
    squat.get_by_label("RPE").nth(2).fill("9")
    # The bench was cut short: the last set not done.
    bench = cards.nth(1)
    bench.get_by_label("Done").nth(2).uncheck()

    extra = page.get_by_test_id("extra-set")
    expect(extra).to_have_count(2)
    page.get_by_test_id("add-extra-set").click()
    expect(extra).to_have_count(3)
    added = extra.nth(2)
    added.get_by_label("Exercise").select_option(label=plan.bench.exercise.name)
    added.get_by_label("Reps").fill("12")
    added.get_by_label("Load").fill("45")
    assert page_width(page) <= PHONE["width"], "with an extra set"
    shot(page, "today-filled")

    page.get_by_test_id("save-workout").click()
    expect(page.get_by_test_id("page-title")).to_contain_text("Workout of")
    alerts = page.get_by_role("alert")
    expect(alerts.first).to_contain_text("Workout saved.")
    expect(page.get_by_text(f"New record: {plan.squat.exercise.name} e1RM 140 kg")).to_be_visible()
    assert page_width(page) <= PHONE["width"], "the saved workout"
    shot(page, "saved")

    log = WorkoutLog.objects.get()
    assert log.program_day == plan.days[0] and log.week_index == 1
    assert log.sets.count() == 7
    assert log.sets.filter(completed=False).count() == 1
    assert log.sets.filter(program_set__isnull=True, reps=12).exists()

    page.get_by_role("link", name="Records").click()
    expect(page.get_by_test_id("record").first).to_be_visible()
    shot(page, "records")
    page.get_by_role("link", name="Programs").click()
    expect(page.get_by_test_id("program-day").first).to_contain_text("Done")
    assert page_width(page) <= PHONE["width"], "my programs"
    shot(page, "programs")
    page.goto(f"{live_server.url}/portal/training/")
    expect(page.get_by_test_id("today-day")).to_contain_text("Day B")

    staff = new_page(viewport=DESKTOP)
    sign_in(staff, trainer)
    staff.goto(f"{live_server.url}/training/workouts/adherence/")
    row = staff.get_by_test_id("adherence-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("this-week")).to_have_text("1 of 3")
    shot(staff, "adherence")
    row.get_by_role("link", name=gym.member.full_name).click()
    expect(staff.get_by_test_id("log")).to_have_count(1)
    expect(staff.get_by_test_id("record-e1rm").first).to_contain_text("140 kg")
    shot(staff, "client")

    phone = new_page(viewport=PHONE)
    sign_in(phone, trainer)
    phone.goto(f"{live_server.url}/training/workouts/adherence/")
    assert page_width(phone) <= PHONE["width"], "the adherence overview"
    shot(phone, "adherence-phone")
