"""New invoices from the staff pages, the catalogue (products, tax rates, promo codes) and the
owner's billing settings: saved when right, shown again with the error at the field when not."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.billing.models import (
    BillingSettings,
    Invoice,
    InvoiceStatus,
    Product,
    ProductKind,
    PromoCode,
    TaxRate,
)
from tests.factories import MemberFactory, ProductFactory, TaxRateFactory

pytestmark = pytest.mark.django_db

NEW = "billing:invoice-create"


def _lines(*rows) -> dict:
    """The line formset's fields: four rows as the page sends them, `rows` filled in."""
    data = {
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "4",
        "lines-MAX_NUM_FORMS": "50",
    }
    for i in range(4):
        row = rows[i] if i < len(rows) else {}
        for name in ("product", "description", "quantity", "unit_price", "tax_rate"):
            data[f"lines-{i}-{name}"] = row.get(name, "")
    return data


def test_the_client_picker_finds_clients_by_name(front_desk, login):
    MemberFactory(first_name="Ingrid", last_name="Bergström")

    body = login(front_desk).get(reverse(NEW), {"find": "bergstrom"}).content.decode()

    assert "Ingrid Bergström" in body and "?client=" in body


def test_an_invoice_from_a_product_and_a_free_text_line_is_issued(front_desk, login):
    client = MemberFactory()
    plan = ProductFactory(name="Unlimited monthly")
    vat = plan.tax_rate
    data = {
        "client": client.pk,
        "issue": "1",
        **_lines(
            {"product": plan.pk, "quantity": "1"},
            {
                "description": "Towel hire",
                "quantity": "2",
                "unit_price": "2.50",
                "tax_rate": vat.pk,
            },
        ),
    }

    response = login(front_desk).post(reverse(NEW), data)

    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{invoice.pk}/")
    assert invoice.status == InvoiceStatus.OPEN and invoice.client == client
    assert [(line.description, line.total_minor) for line in invoice.lines.all()] == [
        ("Unlimited monthly", 4500),
        ("Towel hire", 500),
    ]
    assert invoice.total_minor == 5000


def test_a_draft_is_saved_without_a_number(owner, login):
    data = {
        "client": MemberFactory().pk,
        **_lines({"description": "Drop-in", "unit_price": "12", "quantity": "1"}),
    }

    login(owner).post(reverse(NEW), data)

    assert Invoice.objects.get().status == InvoiceStatus.DRAFT


@pytest.mark.parametrize(
    ("row", "field_message"),
    [
        ({"description": "Drop-in", "unit_price": "12.345"}, "2 decimal places at most"),
        ({"description": "Drop-in", "unit_price": "-1"}, "The amount cannot be negative."),
        ({"description": "Drop-in"}, "Enter a price."),
        ({"unit_price": "12"}, "Describe what the line is for."),
        ({"description": "Drop-in", "unit_price": "5", "quantity": "0"}, "greater than or equal"),
    ],
)
def test_a_wrong_line_is_shown_at_its_field_and_nothing_is_saved(owner, login, row, field_message):
    data = {"client": MemberFactory().pk, **_lines({"quantity": "1", **row})}

    response = login(owner).post(reverse(NEW), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert field_message in body and "is-invalid" in body
    for typed in row.values():
        assert f'value="{typed}"' in body
    assert not Invoice.objects.exists()


def test_a_promo_code_that_expired_is_refused_at_its_field_and_the_lines_are_kept(owner, login):
    PromoCode.objects.create(
        code="SUMMER",
        kind="percent",
        value=10,
        currency="GBP",
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    data = {
        "client": MemberFactory().pk,
        "promo_code": "summer",
        **_lines({"description": "Personal training", "unit_price": "40", "quantity": "1"}),
    }

    response = login(owner).post(reverse(NEW), data)

    body = response.content.decode()
    assert response.status_code == 400
    assert "This promo code has expired." in body
    assert 'value="Personal training"' in body and 'value="summer"' in body
    assert not Invoice.objects.exists()


def test_an_invoice_needs_a_client_and_a_line(owner, login):
    response = login(owner).post(reverse(NEW), {"client": "", **_lines()})

    assert response.status_code == 400
    assert "Pick a client." in response.content.decode()
    response = login(owner).post(reverse(NEW), {"client": MemberFactory().pk, **_lines()})
    assert "Add at least one line." in response.content.decode()


# --- The catalogue --------------------------------------------------------------------------


def test_a_manager_adds_a_membership_product_with_its_price_in_pounds(manager, login):
    vat = TaxRateFactory()
    data = {
        "kind": ProductKind.MEMBERSHIP,
        "name": "Off-peak",
        "price": "29.99",
        "tax_rate": vat.pk,
        "interval": "month",
        "signup_fee": "10",
        "minimum_term_months": "0",
        "notice_days": "30",
        "credits": "0",
        "is_active": "on",
    }

    response = login(manager).post(reverse("billing:products"), data)

    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.price_minor, product.signup_fee_minor, product.currency) == (2999, 1000, "GBP")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price": "29.999"}, "2 decimal places at most"),
        ({"price": "-3"}, "The amount cannot be negative."),
        ({"interval": ""}, "Say how often a membership is billed."),
        ({"kind": "pack", "credits": "0"}, "Say how many classes it pays for."),
    ],
)
def test_a_wrong_product_is_shown_again_with_the_error(manager, login, changes, message):
    data = {
        "kind": "membership",
        "name": "Off-peak",
        "price": "29.99",
        "interval": "month",
        "minimum_term_months": "0",
        "notice_days": "0",
        "credits": "0",
        **changes,
    }

    response = login(manager).post(reverse("billing:products"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="Off-peak"' in response.content.decode()
    assert not Product.objects.exists()


def test_a_product_is_edited_with_its_price_shown_in_pounds(owner, login):
    product = ProductFactory(price_minor=4500)
    url = reverse("billing:product", args=[product.pk])
    browser = login(owner)

    assert 'value="45.00"' in browser.get(url).content.decode()
    data = {
        "kind": "membership",
        "name": product.name,
        "price": "49",
        "tax_rate": product.tax_rate_id,
        "interval": "month",
        "minimum_term_months": "0",
        "notice_days": "0",
        "credits": "0",
    }
    assert browser.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.price_minor == 4900 and product.is_active is False


def test_tax_rates_refuse_a_rate_over_100_percent(owner, login):
    url = reverse("billing:tax-rates")

    response = login(owner).post(url, {"name": "VAT", "percent": "120", "inclusive": "on"})
    assert response.status_code == 400 and not TaxRate.objects.exists()
    login(owner).post(url, {"name": "VAT", "percent": "20", "inclusive": "on", "is_active": "on"})
    assert TaxRate.objects.get().percent == Decimal("20")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("percent", "150", "A percent is a whole number from 1 to 100."),
        ("amount", "5.555", "2 decimal places at most"),
        ("amount", "0", "The amount must be more than zero."),
    ],
)
def test_a_promo_code_with_a_wrong_value_is_refused(owner, login, kind, value, message):
    data = {"code": "spring", "kind": kind, "amount": value, "is_active": "on"}

    response = login(owner).post(reverse("billing:promo-codes"), data)

    assert response.status_code == 400 and message in response.content.decode()
    assert not PromoCode.objects.exists()


def test_a_promo_code_is_stored_in_capitals_and_its_amount_in_pence(owner, login):
    data = {"code": "spring", "kind": "amount", "amount": "5", "is_active": "on"}

    login(owner).post(reverse("billing:promo-codes"), data)

    promo = PromoCode.objects.get()
    assert (promo.code, promo.value) == ("SPRING", 500)
    response = login(owner).post(reverse("billing:promo-codes"), data)
    assert "There is already a promo code with this name." in response.content.decode()


def test_the_catalogue_lists_cost_the_same_queries_for_few_or_many(
    owner, login, django_assert_max_num_queries
):
    browser = login(owner)
    ProductFactory()
    with django_assert_max_num_queries(12) as few:
        browser.get(reverse("billing:products"))
    for _ in range(10):
        ProductFactory()
    with django_assert_max_num_queries(len(few.captured_queries)):
        browser.get(reverse("billing:products"))


# --- Settings -------------------------------------------------------------------------------


def _settings_data(**changes) -> dict:
    return {
        "business_name": "Forge Fitness Ltd",
        "business_address": "12 Anvil Lane\nLeeds",
        "tax_number": "GB123",
        "invoice_footer": "Thanks!",
        "payment_terms_days": "14",
        "dunning": "2, 5, 9",
        "block_booking_when_past_due": "on",
        **changes,
    }


def test_the_owner_saves_the_business_details_and_dunning_days(owner, login):
    response = login(owner).post(reverse("billing:settings"), _settings_data())

    assert response.status_code == 302
    saved = BillingSettings.load()
    assert saved.business_name == "Forge Fitness Ltd" and saved.payment_terms_days == 14
    assert saved.dunning_days == [2, 5, 9]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dunning": "1, soon"}, "Whole numbers of days"),
        ({"dunning": "0"}, "Days from 1 to 60."),
        ({"payment_terms_days": "400"}, "less than or equal to 120"),
    ],
)
def test_wrong_settings_are_shown_again(owner, login, changes, message):
    response = login(owner).post(reverse("billing:settings"), _settings_data(**changes))

    assert response.status_code == 400 and message in response.content.decode()
    assert 'value="Forge Fitness Ltd"' in response.content.decode()
    assert BillingSettings.load().business_name == ""


def test_a_manager_reads_the_settings_but_cannot_change_them(manager, login):
    browser = login(manager)

    assert "Only the owner changes" in browser.get(reverse("billing:settings")).content.decode()
    assert browser.post(reverse("billing:settings"), _settings_data()).status_code == 403
