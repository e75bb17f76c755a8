"""Products, tax rates and promo codes: what owners and managers set up, and buying packs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fitnesscrm.billing import services
from fitnesscrm.billing.models import (
    CreditGrant,
    InvoiceStatus,
    PaymentMethod,
    ProductKind,
    PromoKind,
)
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from tests.factories import MemberFactory, PackFactory, ProductFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


def _errors(exc) -> dict:
    return {e["field"]: e["message"] for e in exc.value.errors}


def test_a_manager_creates_a_monthly_membership_with_its_terms(manager):
    vat = services.tax_rate_create(actor=manager, name="VAT", percent="20")

    plan = services.product_create(
        actor=manager,
        kind=ProductKind.MEMBERSHIP,
        name="Unlimited",
        price_minor=4500,
        tax_rate=vat,
        interval="month",
        signup_fee_minor=2000,
        minimum_term_months=3,
        notice_days=30,
    )

    assert (plan.interval, plan.signup_fee_minor, plan.minimum_term_months) == ("month", 2000, 3)
    assert plan.currency == "GBP" and plan.tax_rate.percent == Decimal("20")


def test_a_membership_without_a_billing_interval_is_refused(owner):
    with pytest.raises(ApplicationError) as exc:
        services.product_create(actor=owner, kind="membership", name="Gold", price_minor=5000)

    assert "interval" in _errors(exc)


def test_every_bad_field_of_a_pack_is_reported_at_once(owner):
    with pytest.raises(ApplicationError) as exc:
        services.product_create(
            actor=owner, kind="pack", name=" ", price_minor=-1, credits=0, credit_days=0
        )

    assert set(_errors(exc)) == {"name", "price_minor", "credits", "credit_days"}


def test_a_pack_drops_membership_terms_and_a_drop_in_is_one_credit(owner):
    pack = services.product_create(
        actor=owner, kind="pack", name="10 classes", price_minor=9000, credits=10, notice_days=30
    )
    drop_in = services.product_create(actor=owner, kind="drop_in", name="Drop-in", price_minor=1200)

    assert (pack.notice_days, pack.interval) == (0, "")
    assert drop_in.credits == 1


def test_product_names_are_unique_whatever_the_case(owner):
    PackFactory(name="Ten classes")

    with pytest.raises(ApplicationError) as exc:
        services.product_create(
            actor=owner, kind="pack", name="TEN CLASSES", price_minor=100, credits=10
        )

    assert _errors(exc)["name"] == "Another product already has this name."


def test_prices_in_another_currency_are_refused(owner):
    with pytest.raises(ApplicationError) as exc:
        services.product_create(
            actor=owner, kind="drop_in", name="Drop", price_minor=100, currency="USD"
        )

    assert "currency" in _errors(exc)


@pytest.mark.parametrize("role", ["front_desk", "trainer", "client_user"])
def test_only_owners_and_managers_set_up_products_taxes_and_codes(role, request):
    actor = request.getfixturevalue(role)

    with pytest.raises(Forbidden):
        services.product_create(actor=actor, kind="drop_in", name="Drop", price_minor=100)
    with pytest.raises(Forbidden):
        services.tax_rate_create(actor=actor, name="VAT", percent="20")
    with pytest.raises(Forbidden):
        services.promo_code_create(actor=actor, code="SPRING", kind="percent", value=10)


def test_a_price_change_is_kept_but_the_kind_of_a_sold_product_is_fixed(manager, front_desk):
    plan = ProductFactory(price_minor=4500)
    services.membership_start(actor=front_desk, client=MemberFactory(), product=plan)

    services.product_update(actor=manager, product=plan, price_minor=5000)
    with pytest.raises(ApplicationError) as exc:
        services.product_update(actor=manager, product=plan, interval="year")

    plan.refresh_from_db()
    assert plan.price_minor == 5000 and plan.interval == "month"
    assert exc.value.code == "sold"


def test_a_tax_rate_over_100_percent_or_with_four_decimals_is_refused(owner):
    with pytest.raises(ApplicationError):
        services.tax_rate_create(actor=owner, name="VAT", percent="120")
    with pytest.raises(ApplicationError) as exc:
        services.tax_rate_create(actor=owner, name="VAT", percent="7.1234")

    assert _errors(exc)["percent"] == "At most three decimals."


def test_a_tax_rate_change_does_not_rewrite_issued_invoices(owner, front_desk):
    vat = TaxRateFactory(percent=Decimal("20"))
    pack = PackFactory(tax_rate=vat)
    invoice = services.product_purchase(actor=front_desk, client=MemberFactory(), product=pack)

    services.tax_rate_update(actor=owner, tax_rate=vat, percent="5")

    line = invoice.lines.get()
    assert line.tax_percent == Decimal("20") and invoice.tax_minor == 1500


def test_a_promo_code_is_stored_in_capitals_and_checked_for_its_limits(manager):
    promo = services.promo_code_create(
        actor=manager, code="spring-26", kind=PromoKind.PERCENT, value=10, max_uses=5
    )

    assert promo.code == "SPRING-26"
    with pytest.raises(ApplicationError) as exc:
        services.promo_code_create(actor=manager, code="BIG", kind="percent", value=150)
    assert "value" in _errors(exc)
    with pytest.raises(ApplicationError) as exc:
        services.promo_code_create(
            actor=manager,
            code="LATE",
            kind="amount",
            value=500,
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() - timedelta(days=1),
        )
    assert "valid_until" in _errors(exc)


def test_a_promo_code_cannot_allow_fewer_uses_than_it_has_had(manager):
    promo = services.promo_code_create(actor=manager, code="FIVE", kind="amount", value=500)
    promo.uses = 3
    promo.save()

    with pytest.raises(ApplicationError) as exc:
        services.promo_code_update(actor=manager, promo=promo, max_uses=2)

    assert _errors(exc)["max_uses"] == "It has already been used 3 times."


def test_a_promo_code_limited_to_one_product_discounts_only_that_product(manager, front_desk):
    pack, other = PackFactory(price_minor=9000), PackFactory(price_minor=5000)
    services.promo_code_create(
        actor=manager, code="PACK10", kind="percent", value=10, products=[pack]
    )

    invoice = services.product_purchase(
        actor=front_desk, client=MemberFactory(), product=pack, promo_code="pack10"
    )
    with pytest.raises(ApplicationError):
        services.product_purchase(
            actor=front_desk, client=MemberFactory(), product=other, promo_code="PACK10"
        )

    assert invoice.total_minor == 8100


def test_a_used_up_promo_code_is_refused_with_a_clear_message(manager, front_desk):
    services.promo_code_create(actor=manager, code="ONCE", kind="amount", value=500, max_uses=1)
    pack = PackFactory()
    services.product_purchase(
        actor=front_desk, client=MemberFactory(), product=pack, promo_code="ONCE"
    )

    with pytest.raises(ApplicationError) as exc:
        services.product_purchase(
            actor=front_desk, client=MemberFactory(), product=pack, promo_code="ONCE"
        )

    assert exc.value.message == "This promo code has been used up."


def test_buying_a_pack_grants_its_credits_when_paid_not_before(front_desk):
    pack = PackFactory(credits=10, credit_days=90)
    client = MemberFactory()

    invoice = services.product_purchase(actor=front_desk, client=client, product=pack, quantity=2)
    assert not CreditGrant.objects.filter(client=client).exists()
    services.payment_record(
        actor=front_desk,
        invoice=invoice,
        amount_minor=invoice.total_minor,
        method=PaymentMethod.CASH,
    )

    grant = CreditGrant.objects.get(client=client)
    assert (grant.credits, grant.remaining) == (20, 20)
    assert grant.expires_on == timezone.localdate() + timedelta(days=90)


def test_a_partly_paid_pack_grants_nothing_yet(front_desk):
    client = MemberFactory()
    invoice = services.product_purchase(actor=front_desk, client=client, product=PackFactory())

    services.payment_record(
        actor=front_desk, invoice=invoice, amount_minor=100, method=PaymentMethod.CASH
    )

    assert invoice.status == InvoiceStatus.OPEN
    assert not CreditGrant.objects.filter(client=client).exists()


def test_a_trial_is_sold_once_per_client(owner, front_desk):
    trial = services.product_create(
        actor=owner, kind="trial", name="Two weeks trial", price_minor=0, credits=3, credit_days=14
    )
    client = MemberFactory()

    invoice = services.product_purchase(actor=front_desk, client=client, product=trial)
    with pytest.raises(Conflict) as exc:
        services.product_purchase(actor=front_desk, client=client, product=trial)

    # A free trial is paid the moment it is issued, so its credits are there at once.
    assert invoice.status == InvoiceStatus.PAID
    assert CreditGrant.objects.get(client=client).remaining == 3
    assert exc.value.code == "trial_used"


def test_a_client_buys_a_pack_for_themselves_but_not_for_someone_else(client_user, outsider):
    own = MemberFactory(user=client_user)
    MemberFactory(user=outsider)
    pack = PackFactory()

    invoice = services.product_purchase(actor=client_user, client=own, product=pack)
    with pytest.raises(Forbidden):
        services.product_purchase(actor=outsider, client=own, product=pack)

    assert invoice.status == InvoiceStatus.OPEN and invoice.created_by is None


def test_a_product_off_sale_or_a_membership_plan_cannot_be_bought_as_a_pack(front_desk):
    with pytest.raises(ApplicationError):
        services.product_purchase(
            actor=front_desk, client=MemberFactory(), product=PackFactory(is_active=False)
        )
    with pytest.raises(ApplicationError) as exc:
        services.product_purchase(
            actor=front_desk, client=MemberFactory(), product=ProductFactory()
        )
    assert exc.value.code == "membership"
