"""/api/v1/products and /api/v1/memberships: what is sold, and the memberships that run.

Everyone signed in reads the products on sale (a client buys them); owners and
managers write them. Memberships: the desk and managers see all; a trainer sees
their clients' memberships without amounts; a client their own.
"""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from fitnesscrm.billing import selectors, services
from fitnesscrm.billing.api.common import (
    IDEMPOTENCY_HEADER,
    Amount,
    ClientRef,
    Money,
    amount_in,
    money,
)
from fitnesscrm.billing.models import (
    Interval,
    Membership,
    MembershipStatus,
    Product,
    ProductKind,
    TaxRate,
)
from fitnesscrm.billing.services import catalog, memberships
from fitnesscrm.clients.selectors import client_get
from fitnesscrm.core.api_helpers import PageParams, fields_renamed, missing, page, text
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.idempotency import idempotent
from fitnesscrm.core.money import default_currency, parse_amount

router = Router(tags=["memberships"])


# --- Products ----------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    price: Money
    tax_rate_id: int | None
    interval: str
    signup_fee: Money
    minimum_term_months: int
    notice_days: int
    credits: int
    credit_days: int | None
    is_active: bool


class ProductPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProductOut]


def product_out(product: Product) -> dict:
    c = product.currency
    return {
        "id": product.pk,
        "kind": product.kind,
        "name": product.name,
        "description": product.description,
        "price": money(product.price_minor, c),
        "tax_rate_id": product.tax_rate_id,
        "interval": product.interval,
        "signup_fee": money(product.signup_fee_minor, c),
        "minimum_term_months": product.minimum_term_months,
        "notice_days": product.notice_days,
        "credits": product.credits,
        "credit_days": product.credit_days,
        "is_active": product.is_active,
    }


class ProductFilters(PageParams):
    kind: Literal[tuple(ProductKind.values)] | None = None  # type: ignore[valid-type]


@router.get("/products", response=ProductPage, summary="Products on sale")
def product_list(request, filters: Query[ProductFilters]):
    products = selectors.products_on_sale().order_by("kind", "name")
    if filters.kind:
        products = products.filter(kind=filters.kind)
    return page(products, filters, lambda rows: [product_out(p) for p in rows])


class ProductIn(Schema):
    kind: Literal[tuple(ProductKind.values)]  # type: ignore[valid-type]
    name: text(100, 1)
    description: text(2000) = ""
    price: Amount
    tax_rate_id: int | None = None
    interval: Literal[tuple(Interval.values)] | Literal[""] = Field(  # type: ignore[valid-type]
        "", description="Memberships: month, quarter or year."
    )
    signup_fee: Amount = "0"
    minimum_term_months: int = Field(0, ge=0, le=60)
    notice_days: int = Field(0, ge=0, le=365)
    credits: int = Field(0, ge=0, le=1000)
    credit_days: int | None = Field(None, ge=1, le=3650)


def _tax_rate(tax_rate_id: int | None) -> TaxRate | None:
    if tax_rate_id is None:
        return None
    rate = TaxRate.objects.filter(pk=tax_rate_id).first()
    if rate is None:
        raise missing("tax_rate_id", "No such tax rate.")
    return rate


@router.post("/products", response={201: ProductOut}, summary="Create a product")
def product_create(request, payload: ProductIn, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """Owners and managers. Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoices.require_manager(user)
        currency = default_currency()
        with fields_renamed({"price_minor": "price", "signup_fee_minor": "signup_fee"}):
            product = catalog.product_create(
                actor=user,
                kind=payload.kind,
                name=payload.name,
                price_minor=amount_in(payload.price, currency, field="price"),
                currency=currency,
                tax_rate=_tax_rate(payload.tax_rate_id),
                description=payload.description,
                interval=payload.interval,
                signup_fee_minor=parse_amount(
                    payload.signup_fee, currency, field="signup_fee", allow_zero=True
                ),
                minimum_term_months=payload.minimum_term_months,
                notice_days=payload.notice_days,
                credits=payload.credits,
                credit_days=payload.credit_days,
            )
        return 201, product_out(product)

    return idempotent(
        request, scope="products.create", key=idempotency_key, payload=payload.model_dump(), run=run
    )


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    return product


@router.get("/products/{product_id}", response=ProductOut, summary="One product")
def product_get(request, product_id: int):
    """A product on sale; owners and managers also read those no longer sold."""
    product = _product(product_id)
    if not product.is_active and not selectors.sees_revenue(request.auth):
        raise NotFound("No such product.")
    return product_out(product)


class ProductPatch(Schema):
    name: text(100, 1) | None = None
    description: text(2000) | None = None
    price: Amount | None = None
    tax_rate_id: int | None = None
    is_active: bool | None = None


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product")
def product_update(request, product_id: int, payload: ProductPatch):
    """Owners and managers. A price change applies to new sales; running memberships
    keep the price they were sold at."""
    services.invoices.require_manager(request.auth)
    product = _product(product_id)
    sent = payload.model_dump(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if k in ("name", "description", "is_active")}
    if "price" in sent:
        changes["price_minor"] = amount_in(sent["price"], product.currency, field="price")
    if "tax_rate_id" in sent:
        changes["tax_rate"] = _tax_rate(sent["tax_rate_id"])
    with fields_renamed({"price_minor": "price", "tax_rate": "tax_rate_id"}):
        product = catalog.product_update(actor=request.auth, product=product, **changes)
    return product_out(product)


# --- Memberships -------------------------------------------------------------------------------


class PauseOut(Schema):
    starts_on: date
    ends_on: date
    reason: str


class MembershipOut(Schema):
    id: int
    client: ClientRef
    product: dict
    status: str
    started_on: date
    current_period_start: date
    current_period_end: date = Field(description="The first day after the current period.")
    ends_on: date | None
    cancelled_at: datetime | None
    price: Money | None = Field(description="Not shown to trainers.")
    interval: str
    pauses: list[PauseOut]


class MembershipPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MembershipOut]


def membership_out(user, membership: Membership) -> dict:
    return {
        "id": membership.pk,
        "client": {"id": membership.client_id, "full_name": membership.client.full_name},
        "product": {"id": membership.product_id, "name": membership.product.name},
        "status": membership.status,
        "started_on": membership.started_on,
        "current_period_start": membership.current_period_start,
        "current_period_end": membership.current_period_end,
        "ends_on": membership.ends_on,
        "cancelled_at": membership.cancelled_at,
        "price": money(membership.price_minor, membership.currency)
        if selectors.sees_money(user) or not user.is_staff_member
        else None,
        "interval": membership.interval,
        "pauses": [
            {"starts_on": p.starts_on, "ends_on": p.ends_on, "reason": p.reason}
            for p in membership.pauses.all()
        ],
    }


def _memberships(user):
    return (
        selectors.visible_memberships(user)
        .select_related("client", "product")
        .prefetch_related("pauses")
    )


class MembershipFilters(PageParams):
    client: int | None = None
    status: Literal[tuple(MembershipStatus.values)] | None = None  # type: ignore[valid-type]


@router.get("/memberships", response=MembershipPage, summary="Memberships the caller may see")
def membership_list(request, filters: Query[MembershipFilters]):
    rows = _memberships(request.auth)
    if filters.client is not None:
        rows = rows.filter(client_id=filters.client)
    if filters.status:
        rows = rows.filter(status=filters.status)
    rows = rows.order_by("-started_on", "-id")
    return page(rows, filters, lambda items: [membership_out(request.auth, m) for m in items])


def _membership(user, membership_id: int) -> Membership:
    return selectors.membership_get(user=user, membership_id=membership_id)


def _answer(user, membership_id: int) -> dict:
    return membership_out(user, _memberships(user).get(pk=membership_id))


class MembershipIn(Schema):
    client_id: int
    product_id: int
    starts_on: date | None = Field(None, description="Defaults to today.")
    anchor_day: int | None = Field(None, ge=1, le=28, description="Billing day of the month.")
    promo_code: text(40) = ""


class MembershipStartedOut(MembershipOut):
    first_invoice_id: int


@router.post("/memberships", response={201: MembershipStartedOut}, summary="Start a membership")
def membership_create(
    request, payload: MembershipIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """Starts the membership and issues its first invoice (sign-up fee and first period,
    prorated to the billing day). Owners, managers and the front desk. Honours
    `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        services.invoices.require_money_staff(user)
        try:
            client = client_get(user=user, client_id=payload.client_id)
        except NotFound as exc:
            raise missing("client_id", "No such client.") from exc
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise missing("product_id", "No such product.")
        with fields_renamed({"client": "client_id", "product": "product_id"}):
            started = memberships.membership_start(
                actor=user,
                client=client,
                product=product,
                starts_on=payload.starts_on,
                anchor_day=payload.anchor_day,
                promo_code=payload.promo_code,
            )
        body = _answer(user, started.membership.pk)
        return 201, {**body, "first_invoice_id": started.invoice.pk}

    return idempotent(
        request,
        scope="memberships.create",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


@router.get("/memberships/{membership_id}", response=MembershipOut, summary="One membership")
def membership_get(request, membership_id: int):
    _membership(request.auth, membership_id)
    return _answer(request.auth, membership_id)


class PauseIn(Schema):
    starts_on: date
    ends_on: date = Field(description="The last paused day (inclusive).")
    reason: text(200) = ""


def _action(request, scope: str, membership_id: int, key, payload: dict, act) -> object:
    """Run `act(user, membership)` once per Idempotency-Key; answer with the membership."""
    user = request.auth

    def run() -> tuple[int, dict]:
        act(user, _membership(user, membership_id))
        return 200, _answer(user, membership_id)

    return idempotent(
        request, scope=scope, key=key, payload={"membership_id": membership_id, **payload},
        run=run,
    )  # fmt: skip


@router.post("/memberships/{membership_id}/pause", response=MembershipOut, summary="Pause (freeze)")
def membership_pause(
    request, membership_id: int, payload: PauseIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """No billing and no booking rights from `starts_on` to `ends_on`; the period end
    moves by the paused days. Owners, managers and the front desk. Honours
    `Idempotency-Key`."""

    def act(user, membership):
        memberships.membership_pause(
            actor=user, membership=membership, starts_on=payload.starts_on,
            ends_on=payload.ends_on, reason=payload.reason,
        )  # fmt: skip

    return _action(
        request, "memberships.pause", membership_id, idempotency_key, payload.model_dump(), act
    )


@router.post(
    "/memberships/{membership_id}/resume", response=MembershipOut, summary="End a pause now"
)
def membership_resume(
    request, membership_id: int, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """Ends today's pause (or takes back one not started yet). Honours `Idempotency-Key`."""

    def act(user, membership):
        memberships.membership_resume(actor=user, membership=membership)

    return _action(request, "memberships.resume", membership_id, idempotency_key, {}, act)


class CancelIn(Schema):
    immediately: bool = Field(False, description="Owners and managers only, with a reason.")
    reason: text(200) = ""
    override_minimum_term: bool = Field(False, description="Owners and managers only.")


@router.post(
    "/memberships/{membership_id}/cancel", response=MembershipOut, summary="Cancel a membership"
)
def membership_cancel(
    request, membership_id: int, payload: CancelIn, idempotency_key: str | None = IDEMPOTENCY_HEADER
):
    """At the end of the first period ending after the notice period (the default), or
    immediately. Within the minimum term the answer is 400 minimum_term unless a
    manager overrides it. A client may cancel their own membership at a period's end.
    Honours `Idempotency-Key`."""

    def act(user, membership):
        memberships.membership_cancel(
            actor=user, membership=membership, immediately=payload.immediately,
            reason=payload.reason, override_minimum_term=payload.override_minimum_term,
        )  # fmt: skip

    return _action(
        request, "memberships.cancel", membership_id, idempotency_key, payload.model_dump(), act
    )
