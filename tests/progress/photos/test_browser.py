"""A client with a phone adds a progress photo, finds it in their gallery and compares dates."""

import pytest
from playwright.sync_api import expect

from fitnesscrm.progress.models import ProgressPhoto
from tests.browser_fixtures import PHONE, page_width
from tests.progress.photos.conftest import add_photo, days_ago, jpeg_with_location

pytestmark = pytest.mark.browser


def loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_a_client_adds_a_front_photo_from_a_phone_and_compares_it_with_an_earlier_one(
    live_server, new_page, sign_in, client_user, consented, artifacts, tmp_path
):
    earlier = add_photo(consented, pose="front", taken_on=days_ago(30), colour=(30, 30, 160))
    picture = tmp_path / "IMG_2041.jpg"
    picture.write_bytes(jpeg_with_location((600, 800)).read())
    page = new_page(viewport=PHONE)
    sign_in(page, client_user)

    page.goto(f"{live_server.url}/progress/photos/mine/")
    page.get_by_test_id("add-photo").click()
    expect(page.get_by_label("Photo", exact=True)).to_have_attribute("capture", "environment")
    page.get_by_label("Photo", exact=True).set_input_files(str(picture))
    page.get_by_label("Pose").select_option("front")
    page.get_by_label("Notes").fill("Four weeks in")
    page.screenshot(path=artifacts / "photos-upload-375.png", full_page=True)
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("Front photo added.")).to_be_visible()
    photo = ProgressPhoto.objects.exclude(pk=earlier.pk).get()
    assert (photo.width, photo.height) == (600, 800)
    card = page.locator(f'[data-testid="photo"][data-photo="{photo.pk}"]')
    expect(card).to_contain_text("Four weeks in")
    card.locator("img").scroll_into_view_if_needed()
    page.wait_for_function(
        "el => el.complete && el.naturalWidth > 0", arg=card.locator("img").element_handle()
    )
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=artifacts / "photos-gallery-375.png", full_page=True)

    page.get_by_role("button", name="Compare").click()
    front = page.locator('[data-testid="compare-row"][data-pose="front"]')
    expect(front.get_by_test_id("compare-first")).to_contain_text(days_ago(30).strftime("%Y"))
    images = front.locator("img")
    expect(images).to_have_count(2)
    for index in range(2):
        images.nth(index).scroll_into_view_if_needed()
        page.wait_for_function(
            "el => el.complete && el.naturalWidth > 0", arg=images.nth(index).element_handle()
        )
    first_box = front.get_by_test_id("compare-first").bounding_box()
    second_box = front.get_by_test_id("compare-second").bounding_box()
    assert second_box["y"] >= first_box["y"] + first_box["height"] - 1  # stacked on a phone
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=artifacts / "photos-compare-375.png", full_page=True)


def test_on_a_wide_screen_the_two_dates_stand_side_by_side(
    live_server, page, sign_in, trainer, consented, artifacts
):
    add_photo(consented, pose="front", taken_on=days_ago(60), colour=(30, 30, 160))
    add_photo(consented, pose="front", taken_on=days_ago(0), colour=(160, 30, 30))
    add_photo(consented, pose="side", taken_on=days_ago(0), colour=(30, 160, 30))
    sign_in(page, trainer)

    page.goto(f"{live_server.url}/progress/photos/client/{consented.pk}/compare/")

    front = page.locator('[data-testid="compare-row"][data-pose="front"]')
    first_box = front.get_by_test_id("compare-first").bounding_box()
    second_box = front.get_by_test_id("compare-second").bounding_box()
    assert abs(first_box["y"] - second_box["y"]) < 2
    assert second_box["x"] > first_box["x"] + first_box["width"] - 1
    expect(page.get_by_test_id("no-photo-that-day")).to_have_text("No side photo on this date.")
    page.screenshot(path=artifacts / "photos-compare-1280.png", full_page=True)
