"""The billing API: invoices, payments and refunds, as an integration would use them."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fitnesscrm.billing import services
from fitnesscrm.billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod, Refund
from tests.api.test_errors import assert_api_error
from tests.factories import MemberFactory, ProductFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


def post(http, path, body, **headers):
    return http.post(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.fixture
def product(db):
    return ProductFactory(name="Unlimited", price_minor=4500, tax_rate=TaxRateFactory())


def _issued(actor, client, price=4500):
    return services.invoice_create(
        actor=actor,
        client=client,
        lines=[services.LineSpec(description="Membership", unit_price_minor=price)],
        issue=True,
    )


def test_the_desk_creates_and_issues_an_invoice_from_a_product(front_desk, login, product):
    client = MemberFactory()

    response = post(
        login(front_desk),
        "/invoices",
        {"client_id": client.pk, "lines": [{"product_id": product.pk}], "issue": True},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["number"].startswith("INV-")
    assert body["total"] == {"minor": 4500, "amount": "45.00", "currency": "GBP"}
    assert body["tax"]["minor"] == 750
    assert body["lines"][0]["description"] == "Unlimited"


def test_an_amount_with_too_many_decimals_names_the_line(front_desk, login):
    client = MemberFactory()

    response = post(
        login(front_desk),
        "/invoices",
        {"client_id": client.pk, "lines": [{"description": "Towel", "unit_price": "2.505"}]},
    )

    body = assert_api_error(response, 400, "invalid_amount")
    assert body["errors"][0]["field"] == "lines.0.unit_price"
    assert not Invoice.objects.exists()


def test_a_partial_payment_then_the_rest_pays_the_invoice(front_desk, login):
    invoice = _issued(front_desk, MemberFactory())
    http = login(front_desk)

    first = post(http, "/payments", {"invoice_id": invoice.pk, "amount": "20", "method": "cash"})
    second = post(
        http, "/payments", {"invoice_id": invoice.pk, "amount": 25.0, "method": "card_terminal"}
    )

    assert first.status_code == second.status_code == 201
    assert second.json()["invoice"]["status"] == "paid"
    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == 4500


@pytest.mark.parametrize(
    ("amount", "code"),
    [("-1", "invalid_amount"), ("0", "invalid_amount"), ("45.01", "overpayment")],
)
def test_bad_payment_amounts_are_refused_and_nothing_is_recorded(front_desk, login, amount, code):
    invoice = _issued(front_desk, MemberFactory())

    response = post(
        login(front_desk),
        "/payments",
        {"invoice_id": invoice.pk, "amount": amount, "method": "cash"},
    )

    body = assert_api_error(response, 400, code)
    assert body["errors"][0]["field"] == "amount"
    assert not Payment.objects.exists()


def test_paying_a_void_invoice_answers_409(front_desk, owner, login):
    invoice = _issued(front_desk, MemberFactory())
    services.invoice_void(actor=owner, invoice=invoice, reason="Duplicate")

    response = post(
        login(front_desk), "/payments", {"invoice_id": invoice.pk, "amount": "10", "method": "cash"}
    )

    assert_api_error(response, 409, "not_open")


def test_the_same_idempotency_key_records_one_payment(front_desk, login):
    invoice = _issued(front_desk, MemberFactory())
    http = login(front_desk)
    body = {"invoice_id": invoice.pk, "amount": "10", "method": "cash"}

    first = post(http, "/payments", body, **{"Idempotency-Key": "till-42"})
    again = post(http, "/payments", body, **{"Idempotency-Key": "till-42"})
    other = post(http, "/payments", {**body, "amount": "11"}, **{"Idempotency-Key": "till-42"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert_api_error(other, 422, "idempotency_key_reused")
    assert Payment.objects.count() == 1


def test_a_refund_over_what_was_paid_is_refused_and_a_good_one_has_a_credit_note(
    front_desk, owner, login
):
    invoice = _issued(front_desk, MemberFactory(), price=6000)
    payment = services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=6000, method=PaymentMethod.CASH
    )
    http = login(owner)

    over = post(http, "/refunds", {"payment_id": payment.pk, "amount": "60.01", "reason": "x"})
    good = post(http, "/refunds", {"payment_id": payment.pk, "amount": "15", "reason": "Injury"})

    assert_api_error(over, 400, "over_refund")
    assert good.status_code == 201, good.content
    assert good.json()["credit_note"]["number"].startswith("CN-")
    assert good.json()["amount"]["minor"] == 1500
    assert Refund.objects.count() == 1


def test_the_desk_cannot_refund(front_desk, login):
    invoice = _issued(front_desk, MemberFactory())
    payment = services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=4500, method=PaymentMethod.CASH
    )

    response = post(
        login(front_desk), "/refunds", {"payment_id": payment.pk, "amount": "5", "reason": "x"}
    )

    assert_api_error(response, 403, "forbidden")


def test_a_client_sees_only_their_own_issued_invoices(front_desk, client_user, login):
    mine = MemberFactory(user=client_user)
    own = _issued(front_desk, mine)
    services.invoice_create(
        actor=front_desk,
        client=mine,
        lines=[services.LineSpec(description="Draft", unit_price_minor=100)],
    )
    _issued(front_desk, MemberFactory())

    response = login(client_user).get("/api/v1/invoices")

    assert [item["id"] for item in response.json()["items"]] == [own.pk]


def test_the_invoice_list_costs_the_same_queries_for_1_or_12_invoices(front_desk, login):
    http = login(front_desk)
    _issued(front_desk, MemberFactory())
    http.get("/api/v1/invoices")
    with CaptureQueriesContext(connection) as one:
        http.get("/api/v1/invoices")
    for _ in range(11):
        _issued(front_desk, MemberFactory())
    with CaptureQueriesContext(connection) as twelve:
        response = http.get("/api/v1/invoices")

    assert response.json()["count"] == 12
    assert len(twelve) == len(one)


def test_issuing_and_voiding_through_the_api(front_desk, owner, login):
    draft = services.invoice_create(
        actor=front_desk,
        client=MemberFactory(),
        lines=[services.LineSpec(description="PT", unit_price_minor=3000)],
    )

    issued = post(login(front_desk), f"/invoices/{draft.pk}/issue", {})
    voided = post(login(owner), f"/invoices/{draft.pk}/void", {"reason": "Client left"})

    assert issued.json()["status"] == InvoiceStatus.OPEN
    assert voided.json()["status"] == InvoiceStatus.VOID
    assert Decimal(voided.json()["total"]["amount"]) == Decimal("30.00")


# --- Products and memberships ------------------------------------------------------------------


def test_a_manager_creates_a_plan_and_everyone_signed_in_sees_it(manager, client_user, login):
    rate = TaxRateFactory()
    response = post(
        login(manager),
        "/products",
        {
            "kind": "membership",
            "name": "Off-peak",
            "price": "29.99",
            "interval": "month",
            "tax_rate_id": rate.pk,
            "notice_days": 30,
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["price"] == {"minor": 2999, "amount": "29.99", "currency": "GBP"}
    listed = login(client_user).get("/api/v1/products").json()["items"]
    assert [p["name"] for p in listed] == ["Off-peak"]


def test_a_plan_without_an_interval_names_the_field(manager, login):
    response = post(
        login(manager), "/products", {"kind": "membership", "name": "Broken", "price": "10"}
    )

    body = assert_api_error(response, 422, "validation_error")
    assert "interval" in {e["field"] for e in body["errors"]}


def test_the_desk_starts_a_membership_and_its_first_invoice_is_issued(front_desk, login, product):
    client = MemberFactory()

    response = post(
        login(front_desk), "/memberships", {"client_id": client.pk, "product_id": product.pk}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "active"
    invoice = Invoice.objects.get(pk=body["first_invoice_id"])
    assert invoice.status == InvoiceStatus.OPEN and invoice.membership_id == body["id"]


def test_pause_resume_and_cancel_through_the_api(front_desk, login, product):
    from datetime import timedelta

    from django.utils import timezone

    started = post(
        login(front_desk),
        "/memberships",
        {"client_id": MemberFactory().pk, "product_id": product.pk},
    ).json()
    http = login(front_desk)
    today = timezone.localdate()

    paused = post(
        http,
        f"/memberships/{started['id']}/pause",
        {"starts_on": str(today + timedelta(days=3)), "ends_on": str(today + timedelta(days=9))},
    )
    resumed = post(http, f"/memberships/{started['id']}/resume", {})
    cancelled = post(http, f"/memberships/{started['id']}/cancel", {})

    assert paused.status_code == 200 and len(paused.json()["pauses"]) == 1
    assert resumed.json()["pauses"] == []
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["ends_on"] is not None


def test_a_trainer_sees_their_client_s_membership_without_the_price(
    front_desk, trainer, login, product
):
    from tests.factories import AssignmentFactory, TrainerFactory

    client = MemberFactory()
    AssignmentFactory(client=client, trainer=TrainerFactory(user=trainer))
    post(login(front_desk), "/memberships", {"client_id": client.pk, "product_id": product.pk})

    items = login(trainer).get("/api/v1/memberships").json()["items"]

    assert [m["client"]["id"] for m in items] == [client.pk]
    assert items[0]["price"] is None
    assert login(trainer).get("/api/v1/invoices").json()["items"] == []


def test_a_repeated_cancel_with_the_same_key_answers_the_first_result(front_desk, login, product):
    started = post(
        login(front_desk),
        "/memberships",
        {"client_id": MemberFactory().pk, "product_id": product.pk},
    ).json()
    http = login(front_desk)
    path = f"/memberships/{started['id']}/cancel"

    first = post(http, path, {}, **{"Idempotency-Key": "leave-1"})
    again = post(http, path, {}, **{"Idempotency-Key": "leave-1"})
    fresh = post(http, path, {}, **{"Idempotency-Key": "leave-2"})

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert_api_error(fresh, 409, "already_cancelled")
