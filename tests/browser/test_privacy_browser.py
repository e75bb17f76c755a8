"""A client asks for a copy of their data in the portal and downloads it; then asks for erasure."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from fitnesscrm.privacy.models import DataExport, DataSubjectRequest
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def member(client_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return MemberFactory(
        user=client_user, first_name="Cleo", last_name="Member", email="cleo.member@example.test"
    )


def test_a_client_downloads_their_data_from_the_portal(
    live_server, page, sign_in, client_user, member, artifacts, console
):
    sign_in(page, client_user)
    page.get_by_role("button", name="Cleo Client").click()
    page.get_by_test_id("menu-privacy").click()
    expect(page.get_by_test_id("page-title")).to_have_text("My data and privacy")

    page.get_by_test_id("export").click()
    expect(page.get_by_text("Your data is ready: download it below.")).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_test_id("download").first.click()
    download = downloading.value

    assert download.suggested_filename.startswith(f"personal-data-client-{member.pk}-")
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    document = json.loads(archive.read("export.json"))
    assert document["profile"][0]["email"] == "cleo.member@example.test"
    assert DataExport.objects.get().downloaded_at is not None
    expect(page.get_by_test_id("my-requests")).to_contain_text("Access / export")

    page.get_by_label("What would you like us to do?").select_option("erasure")
    page.get_by_test_id("send-request").click()
    expect(page.get_by_text("We received your request")).to_be_visible()
    assert DataSubjectRequest.objects.filter(kind="erasure", status="open").count() == 1
    page.screenshot(path=artifacts / "privacy-portal-1280.png", full_page=True)
    assert console.errors == []


def test_the_portal_privacy_page_fits_a_phone(
    live_server, new_page, sign_in, client_user, member, artifacts
):
    from tests.browser_fixtures import page_width

    page = new_page(viewport={"width": 375, "height": 800})
    sign_in(page, client_user)
    page.goto(f"{live_server.url}/portal/privacy/")
    expect(page.get_by_test_id("page-title")).to_be_visible()
    assert page_width(page) <= 375
    page.screenshot(path=artifacts / "privacy-portal-375.png", full_page=True)


def test_the_owner_exports_then_erases_a_client_after_typing_erase(
    live_server, page, sign_in, owner, member, artifacts, console
):
    from django.utils import timezone

    DataSubjectRequest.objects.create(
        client=member, kind="erasure", received_at=timezone.now() - timezone.timedelta(days=40)
    )
    sign_in(page, owner)
    page.goto(f"{live_server.url}/privacy/requests/")
    expect(page.get_by_test_id("overdue")).to_contain_text("Cleo Member")
    page.screenshot(path=artifacts / "privacy-requests-1280.png", full_page=True)
    page.get_by_role("link", name="Cleo Member").click()
    page.get_by_test_id("export").click()
    expect(page.get_by_test_id("download")).to_be_visible()
    page.screenshot(path=artifacts / "privacy-client-1280.png", full_page=True)

    page.get_by_test_id("erase-link").click()
    page.get_by_label("Type the client's full name, or ERASE, to confirm").fill("Cleo")
    page.get_by_test_id("erase").click()
    expect(
        page.get_by_text("Type the client's full name, or ERASE, to confirm the erasure.")
    ).to_be_visible()
    page.get_by_label("Type the client's full name, or ERASE, to confirm").fill("ERASE")
    page.get_by_test_id("erase").click()

    expect(page.get_by_test_id("page-title")).to_have_text(
        f"Personal data of Erased client #{member.pk}"
    )
    member.refresh_from_db()
    assert member.email == ""
    assert DataSubjectRequest.objects.get().status == "done"
    # The refused confirmation was answered 400 (the form again): the only console line.
    assert [e for e in console.errors if "400 (Bad Request)" not in e] == []


def test_a_manager_logs_a_request_by_name_and_picks_between_two_clients_who_share_it(
    live_server, page, sign_in, manager, artifacts, console
):
    MemberFactory(first_name="Sam", last_name="Smith", email="sam.one@example.test")
    second = MemberFactory(first_name="Sam", last_name="Smith", email="sam.two@example.test")
    sign_in(page, manager)
    page.goto(f"{live_server.url}/privacy/requests/")

    form = page.get_by_test_id("request-form")
    form.get_by_label("Client", exact=True).fill("sam smith")
    form.get_by_label("Request").select_option(label="Access / export (art. 15, 20)")
    form.get_by_label("Notes (what was done; no personal data)").fill("Asked at the desk")
    form.get_by_role("button", name="Log the request").click()

    expect(form.get_by_text("2 clients match “sam smith”: choose one.")).to_be_visible()
    expect(form.get_by_label("Notes (what was done; no personal data)")).to_have_value(
        "Asked at the desk"
    )
    page.screenshot(path=artifacts / "privacy-request-choose-client-1280.png", full_page=True)
    form.get_by_label("Sam Smith · sam.two@example.test").check()
    form.get_by_role("button", name="Log the request").click()

    expect(page.get_by_text("The request was logged.")).to_be_visible()
    expect(page.get_by_test_id("requests")).to_contain_text("Sam Smith")
    item = DataSubjectRequest.objects.get()
    assert (item.client, item.kind, item.notes) == (second, "access", "Asked at the desk")
    # The form answered 400 once, with the choice: the only console line.
    assert [e for e in console.errors if "400 (Bad Request)" not in e] == []
