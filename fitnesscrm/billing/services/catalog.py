"""What the gym sells: products, tax rates and promo codes (owners and managers), and purchases.

Products are never deleted once sold (invoices point at them): they are taken off sale.
A membership's price is fixed when it starts, so changing a plan's price changes only
memberships started afterwards. A trial is sold once per client.
"""

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import (
    BillingSettings,
    Interval,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Product,
    ProductKind,
    PromoCode,
    PromoKind,
    TaxRate,
)
from fitnesscrm.billing.services.invoices import LineSpec, invoice_create, require_manager
from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.money import default_currency, format_money, max_minor
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role

MAX_CREDITS = 1000
MAX_CREDIT_DAYS = 3650
MAX_TERM_MONTHS = 60
MAX_NOTICE_DAYS = 365
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,40}$")

PRODUCT_FIELDS = (
    "kind",
    "name",
    "description",
    "price_minor",
    "currency",
    "tax_rate",
    "interval",
    "signup_fee_minor",
    "minimum_term_months",
    "notice_days",
    "credits",
    "credit_days",
    "is_active",
)
TAX_FIELDS = ("name", "percent", "inclusive", "is_active")
PROMO_FIELDS = (
    "code",
    "kind",
    "value",
    "currency",
    "valid_from",
    "valid_until",
    "max_uses",
    "is_active",
)


class _Errors:
    """Field errors collected in one pass, raised together."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_any(self) -> None:
        if self.items:
            raise ApplicationError(self.items[0]["message"], code="invalid", errors=self.items)


def _unknown(changes: dict, allowed: Iterable[str]) -> None:
    extra = set(changes) - set(allowed)
    if extra:
        raise ApplicationError(f"Unknown fields: {', '.join(sorted(extra))}.", code="invalid")


def _money_in_range(errors: _Errors, field: str, value, currency: str, *, allow_zero=True) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        errors.add(field, "Give the amount in minor units.")
    elif value < 0 or (value == 0 and not allow_zero):
        errors.add(field, "The amount must be more than zero.")
    elif value > max_minor(currency):
        errors.add(field, f"At most {format_money(max_minor(currency), currency)}.")


def _int_in(errors: _Errors, field: str, value, low: int, high: int, message: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors.add(field, message)


# --- Tax rates -----------------------------------------------------------------------------------


def _clean_tax_rate(rate: TaxRate) -> None:
    errors = _Errors()
    rate.name = (rate.name or "").strip()
    if not rate.name:
        errors.add("name", "Name the tax (VAT, GST, sales tax).")
    elif len(rate.name) > 60:
        errors.add("name", "At most 60 characters.")
    try:
        percent = Decimal(str(rate.percent))
    except (InvalidOperation, ValueError):
        errors.add("percent", "Give the rate as a number, like 20 or 7.5.")
    else:
        if not percent.is_finite() or percent < 0 or percent > 100:
            errors.add("percent", "The rate is between 0 and 100 %.")
        elif percent.as_tuple().exponent < -3:
            errors.add("percent", "At most three decimals.")
        else:
            rate.percent = percent
    errors.raise_any()


@transaction.atomic
def tax_rate_create(*, actor, name: str, percent, inclusive: bool = True) -> TaxRate:
    require_manager(actor)
    rate = TaxRate(name=name, percent=percent, inclusive=inclusive)
    _clean_tax_rate(rate)
    rate.save()
    audit_record(
        actor=actor,
        action="tax_rate.create",
        target=rate,
        changes={"percent": str(rate.percent), "inclusive": inclusive},
    )
    return rate


@transaction.atomic
def tax_rate_update(*, actor, tax_rate: TaxRate, **changes) -> TaxRate:
    """Change a rate for future invoices; invoices issued keep the rate they were issued with."""
    require_manager(actor)
    _unknown(changes, TAX_FIELDS)
    rate = TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
    before = {field: str(getattr(rate, field)) for field in changes}
    for field, value in changes.items():
        setattr(rate, field, value)
    _clean_tax_rate(rate)
    rate.save()
    audit_record(
        actor=actor,
        action="tax_rate.update",
        target=rate,
        changes={f: [before[f], str(getattr(rate, f))] for f in changes},
    )
    return rate


# --- Products ------------------------------------------------------------------------------------


def _clean_product(product: Product) -> None:
    errors = _Errors()
    product.name = (product.name or "").strip()
    product.description = (product.description or "").strip()
    if product.kind not in ProductKind.values:
        errors.add("kind", "Choose membership, session pack, drop-in or trial.")
    if not product.name:
        errors.add("name", "Name the product.")
    elif len(product.name) > 100:
        errors.add("name", "At most 100 characters.")
    elif Product.objects.filter(name__iexact=product.name).exclude(pk=product.pk or None).exists():
        errors.add("name", "Another product already has this name.")
    if len(product.description) > 2000:
        errors.add("description", "At most 2,000 characters.")
    product.currency = (product.currency or default_currency()).upper()
    if product.currency != default_currency():
        errors.add("currency", f"Prices are in {default_currency()}, the business's currency.")
    _money_in_range(errors, "price_minor", product.price_minor, product.currency)
    if product.tax_rate_id and not product.tax_rate.is_active:
        errors.add("tax_rate", "This tax rate is no longer in use.")
    if product.kind == ProductKind.MEMBERSHIP:
        if product.interval not in Interval.values:
            errors.add("interval", "Choose monthly, quarterly or annual billing.")
        _money_in_range(errors, "signup_fee_minor", product.signup_fee_minor, product.currency)
        _int_in(
            errors,
            "minimum_term_months",
            product.minimum_term_months,
            0,
            MAX_TERM_MONTHS,
            f"The minimum term is 0 to {MAX_TERM_MONTHS} months.",
        )
        _int_in(
            errors,
            "notice_days",
            product.notice_days,
            0,
            MAX_NOTICE_DAYS,
            f"The notice period is 0 to {MAX_NOTICE_DAYS} days.",
        )
        product.credits, product.credit_days = 0, None
    elif product.kind in ProductKind.values:
        # Packs, drop-ins and trials: membership terms do not apply to them.
        product.interval, product.signup_fee_minor = "", 0
        product.minimum_term_months, product.notice_days = 0, 0
        if product.kind == ProductKind.DROP_IN and not product.credits:
            product.credits = 1
        _int_in(
            errors,
            "credits",
            product.credits,
            1,
            MAX_CREDITS,
            f"Give between 1 and {MAX_CREDITS} credits.",
        )
        if product.credit_days is not None:
            _int_in(
                errors,
                "credit_days",
                product.credit_days,
                1,
                MAX_CREDIT_DAYS,
                f"Credits last between 1 and {MAX_CREDIT_DAYS} days (or leave empty: no expiry).",
            )
    errors.raise_any()


def _save_unique(instance, field: str, message: str) -> None:
    """Save; a concurrent twin that won the unique name becomes a field error, not a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ApplicationError(
            message, code="duplicate", errors=[{"field": field, "message": message}]
        ) from exc


@transaction.atomic
def product_create(
    *,
    actor,
    kind: str,
    name: str,
    price_minor: int,
    currency: str | None = None,
    tax_rate: TaxRate | None = None,
    description: str = "",
    interval: str = "",
    signup_fee_minor: int = 0,
    minimum_term_months: int = 0,
    notice_days: int = 0,
    credits: int = 0,
    credit_days: int | None = None,
    is_active: bool = True,
) -> Product:
    require_manager(actor)
    product = Product(
        kind=kind,
        name=name,
        description=description,
        price_minor=price_minor,
        currency=currency or default_currency(),
        tax_rate=tax_rate,
        interval=interval,
        signup_fee_minor=signup_fee_minor,
        minimum_term_months=minimum_term_months,
        notice_days=notice_days,
        credits=credits,
        credit_days=credit_days,
        is_active=is_active,
    )
    _clean_product(product)
    _save_unique(product, "name", "Another product already has this name.")
    audit_record(
        actor=actor,
        action="product.create",
        target=product,
        changes={"kind": kind, "price": product.price_minor, "currency": product.currency},
    )
    return product


def _sold(product: Product) -> bool:
    return product.memberships.exists() or InvoiceLine.objects.filter(product=product).exists()


@transaction.atomic
def product_update(*, actor, product: Product, **changes) -> Product:
    """Change a product; its kind and currency are fixed once it has been sold."""
    require_manager(actor)
    _unknown(changes, PRODUCT_FIELDS)
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("tax_rate")
        .get(pk=product.pk)
    )
    for fixed in ("kind", "currency", "interval"):
        if fixed in changes and changes[fixed] != getattr(product, fixed) and _sold(product):
            raise ApplicationError(
                "This product has been sold: create a new product instead of changing its "
                f"{Product._meta.get_field(fixed).verbose_name}.",
                code="sold",
                errors=[{"field": fixed, "message": "Fixed once sold."}],
            )
    before = {field: getattr(product, field) for field in changes}
    for field, value in changes.items():
        setattr(product, field, value)
    _clean_product(product)
    _save_unique(product, "name", "Another product already has this name.")
    audit_record(
        actor=actor,
        action="product.update",
        target=product,
        changes={
            f: [str(before[f]), str(getattr(product, f))]
            for f in changes
            if before[f] != getattr(product, f)
        },
    )
    return product


# --- Promo codes ---------------------------------------------------------------------------------


def _clean_promo(promo: PromoCode) -> None:
    errors = _Errors()
    promo.code = (promo.code or "").strip().upper()
    if not CODE_PATTERN.match(promo.code):
        errors.add("code", "3 to 40 letters, digits, - or _.")
    elif PromoCode.objects.filter(code__iexact=promo.code).exclude(pk=promo.pk or None).exists():
        errors.add("code", "This code already exists.")
    promo.currency = (promo.currency or default_currency()).upper()
    if promo.kind == PromoKind.PERCENT:
        _int_in(errors, "value", promo.value, 1, 100, "A percentage is between 1 and 100.")
    elif promo.kind == PromoKind.AMOUNT:
        _money_in_range(errors, "value", promo.value, promo.currency, allow_zero=False)
    else:
        errors.add("kind", "Choose percent off or amount off.")
    for field in ("valid_from", "valid_until"):
        value = getattr(promo, field)
        if value is not None and not isinstance(value, date):
            errors.add(field, "Give a date.")
    if (
        isinstance(promo.valid_from, date)
        and isinstance(promo.valid_until, date)
        and promo.valid_until < promo.valid_from
    ):
        errors.add("valid_until", "The end is before the start.")
    if promo.max_uses is not None:
        _int_in(errors, "max_uses", promo.max_uses, 1, 10_000_000, "Allow at least one use.")
        if isinstance(promo.max_uses, int) and promo.max_uses < promo.uses:
            errors.add("max_uses", f"It has already been used {promo.uses} times.")
    errors.raise_any()


def _set_products(promo: PromoCode, products: Iterable[Product] | None) -> None:
    if products is not None:
        promo.products.set(list(products))


@transaction.atomic
def promo_code_create(
    *,
    actor,
    code: str,
    kind: str,
    value: int,
    currency: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    max_uses: int | None = None,
    products: Iterable[Product] | None = None,
    is_active: bool = True,
) -> PromoCode:
    """A promo code; limited to `products` when given (else good for anything)."""
    require_manager(actor)
    promo = PromoCode(
        code=code,
        kind=kind,
        value=value,
        currency=currency or default_currency(),
        valid_from=valid_from,
        valid_until=valid_until,
        max_uses=max_uses,
        is_active=is_active,
    )
    _clean_promo(promo)
    _save_unique(promo, "code", "This code already exists.")
    _set_products(promo, products)
    audit_record(
        actor=actor,
        action="promo_code.create",
        target=promo,
        changes={"kind": kind, "value": value, "max_uses": max_uses},
    )
    return promo


@transaction.atomic
def promo_code_update(
    *, actor, promo: PromoCode, products: Iterable[Product] | None = None, **changes
) -> PromoCode:
    require_manager(actor)
    _unknown(changes, PROMO_FIELDS)
    promo = PromoCode.objects.select_for_update().get(pk=promo.pk)
    before = {field: getattr(promo, field) for field in changes}
    for field, value in changes.items():
        setattr(promo, field, value)
    _clean_promo(promo)
    _save_unique(promo, "code", "This code already exists.")
    _set_products(promo, products)
    audit_record(
        actor=actor,
        action="promo_code.update",
        target=promo,
        changes={f: [str(before[f]), str(getattr(promo, f))] for f in changes},
    )
    return promo


# --- Buying a pack, a drop-in or a trial ---------------------------------------------------------


@transaction.atomic
def product_purchase(
    *, actor, client: Client, product: Product, quantity: int = 1, promo_code: str = ""
) -> Invoice:
    """Invoice a pack, drop-in or trial (issued at once); its credits come when it is paid.

    Staff sell at the desk; a client buys for themselves (actor is their login);
    `actor=None` is the system. Memberships start with membership_start instead.
    """
    own = role_of(actor) == Role.CLIENT
    if own:
        record = client_of_user(actor)
        if record is None or record.pk != client.pk:
            raise Forbidden("You can only buy for yourself.")
    elif actor is not None and not selectors.sees_money(actor):
        raise Forbidden("Only owners, managers and the front desk sell products.")
    if product.kind == ProductKind.MEMBERSHIP:
        raise ApplicationError(
            "Start a membership for a membership plan.",
            code="membership",
            errors=[{"field": "product", "message": "A membership plan."}],
        )
    if not product.is_active:
        raise ApplicationError(
            "This product is not on sale.",
            code="not_on_sale",
            errors=[{"field": "product", "message": "Not on sale."}],
        )
    if product.kind == ProductKind.TRIAL:
        quantity = 1
        Client.objects.select_for_update().filter(pk=client.pk).first()
        had_trial = (
            InvoiceLine.objects.filter(invoice__client=client, product__kind=ProductKind.TRIAL)
            .exclude(invoice__status=InvoiceStatus.VOID)
            .exists()
        )
        if had_trial:
            raise Conflict(
                "A trial is for new clients, once: this client has had one.",
                code="trial_used",
                errors=[{"field": "product", "message": "Trial already used."}],
            )
    return invoice_create(
        actor=None if own else actor,
        client=client,
        lines=[
            LineSpec(
                description=product.name,
                unit_price_minor=product.price_minor,
                quantity=quantity,
                product=product,
                tax_rate=product.tax_rate,
            )
        ],
        currency=product.currency,
        promo_code=promo_code,
        issue=True,
    )


# --- The owner's billing settings --------------------------------------------------------------

SETTINGS_FIELDS = (
    "business_name",
    "business_address",
    "tax_number",
    "invoice_footer",
    "payment_terms_days",
    "dunning_days",
    "block_booking_when_past_due",
)
MAX_DUNNING_DAYS = 5


@transaction.atomic
def billing_settings_update(*, actor, **changes) -> BillingSettings:
    """The business details printed on invoices, payment terms and dunning; the owner's alone."""
    if role_of(actor) != Role.OWNER:
        raise Forbidden("Only the owner changes the billing settings.")
    _unknown(changes, SETTINGS_FIELDS)
    errors = _Errors()
    if "dunning_days" in changes:
        days = sorted({int(day) for day in changes["dunning_days"]})
        if not days or days[0] < 1 or days[-1] > 60 or len(days) > MAX_DUNNING_DAYS:
            errors.add("dunning_days", f"Up to {MAX_DUNNING_DAYS} retries, on days from 1 to 60.")
        changes["dunning_days"] = days
    if "payment_terms_days" in changes:
        _int_in(errors, "payment_terms_days", changes["payment_terms_days"], 0, 120,
                "Invoices are due within 0 to 120 days.")  # fmt: skip
    errors.raise_any()
    current = BillingSettings.objects.select_for_update().get(pk=BillingSettings.load().pk)
    before = {name: getattr(current, name) for name in changes}
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    changed = {
        name: [str(before[name]), str(getattr(current, name))]
        for name in changes
        if before[name] != getattr(current, name)
    }
    if changed:
        current.save()
        audit_record(actor=actor, action="billing_settings.update", target=current, changes=changed)
    return current
