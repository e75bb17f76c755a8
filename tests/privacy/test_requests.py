"""The data-subject request log: deadlines, the staff page, portal requests, the API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.privacy import services
from fitnesscrm.privacy.models import DataSubjectRequest, one_month_after
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 1, 31, 10, tzinfo=UTC), datetime(2026, 2, 28, 10, tzinfo=UTC)),
        (datetime(2028, 1, 31, 10, tzinfo=UTC), datetime(2028, 2, 29, 10, tzinfo=UTC)),
        (datetime(2026, 3, 31, 10, tzinfo=UTC), datetime(2026, 4, 30, 10, tzinfo=UTC)),
        (datetime(2026, 12, 15, 10, tzinfo=UTC), datetime(2027, 1, 15, 10, tzinfo=UTC)),
        (datetime(2026, 2, 28, 10, tzinfo=UTC), datetime(2026, 3, 28, 10, tzinfo=UTC)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_it_came_in(received, due):
    assert one_month_after(received) == due


def test_the_deadline_counts_in_the_business_time_zone(settings, owner):
    settings.TIME_ZONE = "Europe/Berlin"
    client = MemberFactory()
    # 31 January 23:30 UTC is 1 February in Berlin: due 1 March, not 28 February.
    received = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    with timezone.override("Europe/Berlin"):
        item = services.request_create(
            actor=owner, client=client, kind="erasure", received_at=received
        )
    assert timezone.localtime(item.due_at, timezone.get_fixed_timezone(60)).date().isoformat() == (
        "2026-03-01"
    )


def test_staff_log_a_request_and_see_it_with_its_deadline_overdue_ones_highlighted(manager, client):
    member = MemberFactory(first_name="Ada", last_name="Lovelace")
    late = MemberFactory(first_name="Late", last_name="Comer")
    DataSubjectRequest.objects.create(
        client=late, kind="access", received_at=timezone.now() - timedelta(days=40)
    )
    client.force_login(manager)

    response = client.post(
        reverse("privacy:requests"),
        {"client": "ada lovelace", "kind": "rectification", "notes": "Address to correct."},
        follow=True,
    )

    body = response.content.decode()
    assert "Ada Lovelace" in body and "Rectification" in body
    item = DataSubjectRequest.objects.get(client=member)
    assert item.due_at == one_month_after(timezone.localtime(item.received_at))
    assert body.count('data-testid="overdue"') == 1
    assert AuditEntry.objects.filter(action="privacy.request_create", actor=manager).exists()


def test_a_request_for_an_unknown_client_is_shown_again_with_a_message(manager, client):
    MemberFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(manager)

    response = client.post(
        reverse("privacy:requests"), {"client": "Grace Hopper", "kind": "access", "notes": "Kept"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"client": ["No client matches “Grace Hopper”."]}
    assert form["notes"].value() == "Kept"
    assert not DataSubjectRequest.objects.exists()


def _post_request(client, data):
    return client.post(reverse("privacy:requests"), {"kind": "access", **data})


def test_a_name_several_clients_share_asks_which_one_and_keeps_what_was_typed(manager, client):
    first = MemberFactory(first_name="Sam", last_name="Smith", email="sam.one@example.test")
    second = MemberFactory(first_name="Sam", last_name="Smith", email="sam.two@example.test")
    MemberFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(manager)

    response = _post_request(client, {"client": "Sam Smith", "notes": "By letter"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "2 clients match “Sam Smith”: choose one." in body
    assert "Sam Smith · sam.one@example.test" in body
    assert "Sam Smith · sam.two@example.test" in body
    assert "Ada Lovelace" not in body.split('data-testid="request-form"')[1]
    assert not DataSubjectRequest.objects.exists()

    response = _post_request(
        client, {"client": "Sam Smith", "client_id": second.pk, "notes": "By letter"}
    )

    assert response.status_code == 302
    item = DataSubjectRequest.objects.get()
    assert (item.client, item.notes) == (second, "By letter")
    assert first.data_requests.count() == 0


def test_a_client_number_that_the_typed_text_does_not_find_is_not_taken(manager, client):
    MemberFactory(first_name="Sam", last_name="Smith")
    MemberFactory(first_name="Sam", last_name="Smith")
    other = MemberFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(manager)

    response = _post_request(client, {"client": "Sam Smith", "client_id": other.pk})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "client_id": ["2 clients match “Sam Smith”: choose one."]
    }
    assert not DataSubjectRequest.objects.exists()


def test_too_many_matches_ask_for_more_of_the_name(manager, client):
    for n in range(11):
        MemberFactory(first_name="Alex", last_name=f"Jones {n}")
    client.force_login(manager)

    response = _post_request(client, {"client": "alex"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "client": ["More than 10 clients match “alex”: type more of the name, or the email."]
    }
    assert "client_id" not in response.context["form"].fields


def test_an_archived_client_is_found_by_email(manager, client):
    member = MemberFactory(email="gone@example.test", archived_at=timezone.now())
    client.force_login(manager)

    response = _post_request(client, {"client": "GONE@example.test"})

    assert response.status_code == 302
    assert DataSubjectRequest.objects.get().client == member


def test_the_client_privacy_page_opens_the_form_filled_in_for_that_client(manager, client):
    MemberFactory(first_name="Sam", last_name="Smith")
    member = MemberFactory(first_name="Sam", last_name="Smith", email="sam.b@example.test")
    client.force_login(manager)

    privacy_page = client.get(reverse("privacy:client", args=[member.pk])).content.decode()
    assert f'href="/privacy/requests/?client={member.pk}"' in privacy_page

    form = client.get(reverse("privacy:requests"), {"client": member.pk}).context["form"]
    assert form["client"].value() == "Sam Smith"
    assert form.fields["client_id"].choices == [(member.pk, "Sam Smith · sam.b@example.test")]
    assert form["client_id"].value() == member.pk

    response = _post_request(client, {"client": "Sam Smith", "client_id": member.pk})

    assert response.status_code == 302
    assert DataSubjectRequest.objects.get().client == member


def test_closing_a_request_records_who_and_when(manager, client):
    item = DataSubjectRequest.objects.create(
        client=MemberFactory(), kind="objection", received_at=timezone.now()
    )
    client.force_login(manager)

    client.post(reverse("privacy:request-close", args=[item.pk]), {"status": "refused"})

    item.refresh_from_db()
    assert item.status == "refused" and item.handled_by == manager and item.closed_at


def test_a_client_asks_for_erasure_in_the_portal_which_logs_a_request_once(client_user, client):
    member = MemberFactory(user=client_user)
    client.force_login(client_user)
    url = reverse("portal-privacy:request")

    response = client.post(url, {"kind": "erasure"}, follow=True)
    assert "within one month" in response.content.decode()
    again = client.post(url, {"kind": "erasure"})

    assert again.status_code == 400
    assert "already an open erasure request" in again.content.decode()
    item = DataSubjectRequest.objects.get()
    assert (item.client, item.kind, item.channel, item.status) == (
        member,
        "erasure",
        "portal",
        "open",
    )


def test_a_client_cannot_send_a_kind_the_portal_does_not_offer(client_user, client):
    MemberFactory(user=client_user)
    client.force_login(client_user)

    response = client.post(reverse("portal-privacy:request"), {"kind": "nonsense"})

    assert response.status_code == 400
    assert not DataSubjectRequest.objects.exists()


def test_the_requests_page_reads_a_fixed_number_of_queries(
    manager, client, django_assert_max_num_queries
):
    for _ in range(3):
        DataSubjectRequest.objects.create(
            client=MemberFactory(), kind="access", received_at=timezone.now()
        )
    client.force_login(manager)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("privacy:requests"))
    for _ in range(20):
        DataSubjectRequest.objects.create(
            client=MemberFactory(), kind="erasure", received_at=timezone.now()
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("privacy:requests"))
    assert response.content.decode().count("Erasure (art. 17)") >= 20


def test_the_api_lists_requests_with_a_fixed_number_of_queries(
    owner, client, django_assert_max_num_queries
):
    for _ in range(3):
        DataSubjectRequest.objects.create(
            client=MemberFactory(), kind="access", received_at=timezone.now()
        )
    client.force_login(owner)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/privacy/requests")
    for _ in range(20):
        DataSubjectRequest.objects.create(
            client=MemberFactory(), kind="erasure", received_at=timezone.now()
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/api/v1/privacy/requests?limit=100").json()
    assert body["count"] == 23 and len(body["items"]) == 23


def test_the_api_refuses_a_future_receipt_date_and_stores_nothing(owner, client):
    member = MemberFactory()
    client.force_login(owner)
    future = (timezone.now() + timedelta(days=3)).isoformat()

    response = client.post(
        "/api/v1/privacy/requests",
        {"client_id": member.pk, "kind": "access", "received_at": future},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_at"
    assert not DataSubjectRequest.objects.exists()


def test_the_api_closes_a_request(owner, client):
    item = DataSubjectRequest.objects.create(
        client=MemberFactory(), kind="access", received_at=timezone.now()
    )
    client.force_login(owner)

    response = client.patch(
        f"/api/v1/privacy/requests/{item.pk}",
        {"status": "done", "notes": "Export sent."},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["handled_by_id"] == owner.pk


def _history(response) -> str:
    body = response.content.decode()
    start = body.index('data-testid="consent-history"')
    return body[start : body.index("</section>", start)]


def test_the_client_privacy_page_reads_a_fixed_number_of_queries(
    owner, client, django_assert_max_num_queries
):
    from fitnesscrm.clients.models import ConsentKind, ConsentMethod, ConsentRecord

    member = MemberFactory()

    def add(n):
        for _ in range(n):
            ConsentRecord.objects.create(
                client=member,
                kind=ConsentKind.SMS_MARKETING,
                granted=True,
                method=ConsentMethod.IN_PERSON,
                recorded_by=owner,
            )
            DataSubjectRequest.objects.create(
                client=member, kind="objection", received_at=timezone.now(), status="done"
            )

    client.force_login(owner)
    add(2)
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("privacy:client", args=[member.pk]))
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("privacy:client", args=[member.pk]))
    assert _history(response).count("News and offers by text message") == 17


def test_staff_record_a_marketing_consent_and_see_its_history(manager, client):
    from fitnesscrm.clients.models import ConsentRecord

    member = MemberFactory()
    client.force_login(manager)
    url = reverse("privacy:consent", args=[member.pk])

    client.post(url, {"kind": "sms_marketing", "granted": "yes", "method": "written"})
    response = client.post(
        url, {"kind": "sms_marketing", "granted": "no", "method": "in_person"}, follow=True
    )

    body = _history(response)
    assert body.count("News and offers by text message") == 2
    assert "withdrawn" in body and "given" in body
    member.refresh_from_db()
    assert member.sms_consent is False and member.sms_consent_at is not None
    assert list(
        ConsentRecord.objects.filter(client=member).values_list("granted", "recorded_by")
    ) == [(False, manager.pk), (True, manager.pk)]


def test_a_marketing_consent_without_a_method_is_shown_again_and_stores_nothing(manager, client):
    from fitnesscrm.clients.models import ConsentRecord

    member = MemberFactory()
    client.force_login(manager)

    response = client.post(
        reverse("privacy:consent", args=[member.pk]), {"kind": "email_marketing", "granted": "yes"}
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Ada\x00", "Control characters are not allowed (U+0000)."),
        ("A" * 201, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_text_the_search_cannot_take_is_refused_at_the_field_before_any_search(
    manager, client, typed, message
):
    MemberFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(manager)

    response = _post_request(client, {"client": typed, "client_id": "99999999999999999999"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"client": [message]}
    assert not DataSubjectRequest.objects.exists()
