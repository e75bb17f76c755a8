"""The demo gym's money: plans and packs with VAT, memberships, invoices paid and open, a refund.

Sold through the billing services as the front desk would (so numbers, totals, credit
grants and the audit log are all real); memberships started within the last month,
as far back as the desk may backdate.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fitnesscrm.billing import services
from fitnesscrm.billing.models import (
    Interval,
    PaymentMethod,
    Product,
    ProductKind,
    PromoKind,
)
from fitnesscrm.billing.services import catalog, memberships
from fitnesscrm.billing.tasks import send_invoice_email
from fitnesscrm.clients.models import Client, Status
from fitnesscrm.core.money import default_currency
from fitnesscrm.scheduling.models import Access, ClassType

PLANS = [
    # name, price, sign-up fee, minimum term (months), notice (days), interval
    ("Unlimited monthly", 4900, 2000, 3, 30, Interval.MONTH),
    ("Off-peak monthly", 3200, 0, 0, 30, Interval.MONTH),
    ("Annual unlimited", 49000, 0, 12, 0, Interval.YEAR),
]
PACKS = [
    # name, kind, price, credits, days valid
    ("10-class pack", ProductKind.PACK, 9500, 10, 90),
    ("Drop-in class", ProductKind.DROP_IN, 1200, 1, 30),
    ("Free trial week", ProductKind.TRIAL, 0, 3, 7),
]
# Classes that need a membership or a credit.
PAID_CLASSES = ("Spin", "Boxing fitness")


def demo_billing_exists() -> bool:
    return Product.objects.filter(name=PLANS[0][0]).exists()


@transaction.atomic
def load_demo_billing(*, owner, desk, demo_client: Client | None) -> dict[str, int] | None:
    """Load the money once; None if it is there already."""
    if demo_billing_exists():
        return None
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets  # nosec B311
    currency = default_currency()
    catalog.billing_settings_update(
        actor=owner,
        business_name="Riverside Fitness Ltd",
        business_address="4 Wharf Lane\nBristol BS1 4RN\nUnited Kingdom",
        tax_number="GB 123 4567 89",
        invoice_footer="Thank you for training with us. Questions: hello@riverside.example",
    )
    vat = catalog.tax_rate_create(actor=owner, name="VAT", percent=Decimal("20"), inclusive=True)
    plans = [
        catalog.product_create(
            actor=owner, kind=ProductKind.MEMBERSHIP, name=name, price_minor=price,
            currency=currency, tax_rate=vat, interval=interval, signup_fee_minor=fee,
            minimum_term_months=term, notice_days=notice,
        )
        for name, price, fee, term, notice, interval in PLANS
    ]  # fmt: skip
    packs = [
        catalog.product_create(
            actor=owner, kind=kind, name=name, price_minor=price, currency=currency,
            tax_rate=vat, credits=credits, credit_days=days,
        )
        for name, kind, price, credits, days in PACKS
    ]  # fmt: skip
    catalog.promo_code_create(
        actor=owner, code="NEWYEAR", kind=PromoKind.PERCENT, value=20, currency=currency,
        valid_until=timezone.localdate() + timedelta(days=60), max_uses=50,
    )  # fmt: skip
    ClassType.objects.filter(name__in=PAID_CLASSES).update(access=Access.PAID)

    today = timezone.localdate()
    members = list(
        Client.objects.filter(status=Status.ACTIVE, archived_at__isnull=True).order_by("id")
    )
    if demo_client is not None and demo_client in members:
        members.remove(demo_client)
        members.insert(0, demo_client)
    counts = {"memberships": 0, "paid": 0, "open": 0, "packs": 0}
    for index, client in enumerate(members[: int(len(members) * 0.7)]):
        plan = plans[0] if index % 3 else rng.choice(plans)
        started = memberships.membership_start(
            actor=desk,
            client=client,
            product=plan,
            starts_on=today - timedelta(days=rng.randint(0, 30)),
        )
        counts["memberships"] += 1
        # Most pay at once at the desk; some owe money (receivables), one pays in part.
        if index == 0 or rng.random() < 0.85:
            services.payment_record(
                actor=desk,
                invoice=started.invoice,
                amount_minor=started.invoice.amount_due_minor,
                method=rng.choice([PaymentMethod.CARD_TERMINAL, PaymentMethod.CARD_TERMINAL,
                                   PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER]),
            )  # fmt: skip
            counts["paid"] += 1
        elif rng.random() < 0.3:
            services.payment_record(
                actor=desk,
                invoice=started.invoice,
                amount_minor=started.invoice.amount_due_minor // 2,
                method=PaymentMethod.CASH,
            )
            counts["open"] += 1
        else:
            counts["open"] += 1
    for client in members[int(len(members) * 0.7) :][:25]:
        pack = rng.choice(packs)
        invoice = catalog.product_purchase(actor=desk, client=client, product=pack)
        if invoice.amount_due_minor:
            services.payment_record(
                actor=desk,
                invoice=invoice,
                amount_minor=invoice.amount_due_minor,
                method=PaymentMethod.CARD_TERMINAL,
            )
        counts["packs"] += 1
    # A goodwill refund on one paid membership invoice.
    refundable = next(
        (
            payment
            for client in members[1:10]
            for payment in client.payments.all()
            if payment.refundable_minor >= 1000
        ),
        None,
    )
    if refundable is not None:
        services.refund_record(
            actor=owner,
            payment=refundable,
            amount_minor=1000,
            reason="Goodwill: the spin bikes were out of order",
        )
    # The demo's invoices went out long ago: the worker is not to email them all now.
    DBTaskResult.objects.filter(task_path=send_invoice_email.module_path).delete()
    return counts
