"""Products, memberships, credits, invoices, payments, refunds, and what Stripe tells us.

Every amount is an integer of minor units (pence, cents) with the currency beside it.
Invoice and credit-note numbers are sequential per year with no gaps: a number is
taken only when a document is issued, under a row lock on its year's counter.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower


class TaxRate(models.Model):
    name = models.CharField("name", max_length=60)
    # Percent with up to three decimals: 20.000 for 20 % VAT.
    percent = models.DecimalField(
        "rate (%)",
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    inclusive = models.BooleanField(
        "included in prices", default=True, help_text="Prices already include this tax."
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "tax rate"
        verbose_name_plural = "tax rates"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="taxrate_percent_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percent.normalize()} %)"


class ProductKind(models.TextChoices):
    MEMBERSHIP = "membership", "Membership"
    PACK = "pack", "Session pack"
    DROP_IN = "drop_in", "Drop-in"
    TRIAL = "trial", "Trial offer"


class Interval(models.TextChoices):
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"
    YEAR = "year", "Annual"


INTERVAL_MONTHS = {Interval.MONTH: 1, Interval.QUARTER: 3, Interval.YEAR: 12}


class Product(models.Model):
    """Something a client buys: a recurring membership, a pack of credits, a drop-in, a trial."""

    kind = models.CharField("kind", max_length=20, choices=ProductKind.choices)
    name = models.CharField("name", max_length=100)
    description = models.TextField("description", max_length=2000, blank=True)
    price_minor = models.PositiveIntegerField("price (minor units)")
    currency = models.CharField("currency", max_length=3)
    tax_rate = models.ForeignKey(
        TaxRate, verbose_name="tax rate", null=True, blank=True, on_delete=models.PROTECT
    )
    # Memberships.
    interval = models.CharField(
        "billed", max_length=10, choices=Interval.choices, blank=True, default=""
    )
    signup_fee_minor = models.PositiveIntegerField("sign-up fee (minor units)", default=0)
    minimum_term_months = models.PositiveSmallIntegerField("minimum term (months)", default=0)
    notice_days = models.PositiveSmallIntegerField("notice period (days)", default=0)
    # Packs, drop-ins and trials: credits granted, and how long they last.
    credits = models.PositiveSmallIntegerField("credits", default=0)
    credit_days = models.PositiveSmallIntegerField(
        "credits expire after (days)", null=True, blank=True
    )
    is_active = models.BooleanField("on sale", default=True)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "product"
        verbose_name_plural = "products"
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="product_name_ci_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ProductKind.values), name="product_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ProductKind.MEMBERSHIP) | ~Q(interval=""),
                name="product_membership_has_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_recurring(self) -> bool:
        return self.kind == ProductKind.MEMBERSHIP


class PromoKind(models.TextChoices):
    PERCENT = "percent", "Percent off"
    AMOUNT = "amount", "Amount off"


class PromoCode(models.Model):
    code = models.CharField("code", max_length=40)
    kind = models.CharField("kind", max_length=10, choices=PromoKind.choices)
    # Percent (1 to 100) or an amount in minor units.
    value = models.PositiveIntegerField("value")
    currency = models.CharField("currency", max_length=3)
    products = models.ManyToManyField(
        Product, verbose_name="only for", blank=True, related_name="promo_codes"
    )
    valid_from = models.DateField("valid from", null=True, blank=True)
    valid_until = models.DateField("valid until", null=True, blank=True)
    max_uses = models.PositiveIntegerField("uses allowed", null=True, blank=True)
    # Raised under a row lock when an invoice using the code is issued.
    uses = models.PositiveIntegerField("used", default=0)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "promo code"
        verbose_name_plural = "promo codes"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(Lower("code"), name="promocode_code_ci_unique"),
            models.CheckConstraint(
                condition=~Q(kind=PromoKind.PERCENT) | Q(value__gte=1, value__lte=100),
                name="promocode_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")),
                name="promocode_uses_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class MembershipStatus(models.TextChoices):
    # Bought online and not paid yet: no booking rights until the first invoice is paid.
    PENDING = "pending", "Awaiting first payment"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    PAST_DUE = "past_due", "Payment failed"
    CANCELLED = "cancelled", "Cancelled (ends at period end)"
    ENDED = "ended", "Ended"


class Membership(models.Model):
    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    product = models.ForeignKey(
        Product, verbose_name="plan", on_delete=models.PROTECT, related_name="memberships"
    )
    status = models.CharField(
        "status", max_length=20, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    # The price and interval agreed when the membership started (a later price change
    # of the product does not change it).
    price_minor = models.PositiveIntegerField("price (minor units)")
    currency = models.CharField("currency", max_length=3)
    interval = models.CharField("billed", max_length=10, choices=Interval.choices)
    # Day of the month renewals fall on (1 to 28), kept across short months.
    anchor_day = models.PositiveSmallIntegerField(
        "billing day", validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    started_on = models.DateField("started")
    current_period_start = models.DateField("current period from")
    current_period_end = models.DateField("current period until")  # exclusive
    minimum_term_end = models.DateField("minimum term until", null=True, blank=True)
    # Set when cancelled: the last day covered (the end of a period, after notice).
    ends_on = models.DateField("ends on", null=True, blank=True)
    cancelled_at = models.DateTimeField("cancelled", null=True, blank=True)
    cancel_reason = models.CharField("reason", max_length=200, blank=True)
    renew_automatically = models.BooleanField("renews automatically", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="sold by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "membership"
        verbose_name_plural = "memberships"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="membership_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=F("current_period_start")),
                name="membership_period_positive",
            ),
            models.CheckConstraint(
                condition=Q(anchor_day__gte=1, anchor_day__lte=28), name="membership_anchor_day"
            ),
        ]
        indexes = [
            # The renewal job: live memberships whose period ends soon.
            models.Index(fields=["status", "current_period_end"], name="membership_renewal"),
            models.Index(fields=["client", "status"], name="membership_client_status"),
        ]

    def __str__(self) -> str:
        return f"{self.product} — {self.client}"


class MembershipPause(models.Model):
    """A freeze: no billing and no membership booking rights from `starts_on` to `ends_on`."""

    membership = models.ForeignKey(
        Membership, verbose_name="membership", on_delete=models.CASCADE, related_name="pauses"
    )
    starts_on = models.DateField("from")
    ends_on = models.DateField("until")  # inclusive
    reason = models.CharField("reason", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "pause"
        verbose_name_plural = "pauses"
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="pause_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} to {self.ends_on}"


class CreditGrant(models.Model):
    """Credits a client bought (a pack, a drop-in, a trial); used one per booking."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.PROTECT,
        related_name="credit_grants",
    )
    product = models.ForeignKey(
        Product, verbose_name="product", null=True, blank=True, on_delete=models.PROTECT
    )
    invoice_line = models.OneToOneField(
        "InvoiceLine",
        verbose_name="bought on",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_grant",
    )
    credits = models.PositiveSmallIntegerField("credits")
    remaining = models.PositiveSmallIntegerField("remaining")
    expires_on = models.DateField("expires", null=True, blank=True)
    created_at = models.DateTimeField("granted", auto_now_add=True)

    class Meta:
        verbose_name = "credit grant"
        verbose_name_plural = "credit grants"
        ordering = ["expires_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__lte=F("credits")), name="creditgrant_remaining_within"
            )
        ]
        indexes = [models.Index(fields=["client", "remaining"], name="creditgrant_client")]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.credits} credits"


class CreditUse(models.Model):
    """One credit spent on one booking; returned when the booking is cancelled in time."""

    grant = models.ForeignKey(
        CreditGrant, verbose_name="credits", on_delete=models.PROTECT, related_name="uses"
    )
    booking = models.ForeignKey(
        "scheduling.Booking",
        verbose_name="booking",
        on_delete=models.PROTECT,
        related_name="credit_uses",
    )
    used_at = models.DateTimeField("used", auto_now_add=True)
    returned_at = models.DateTimeField("returned", null=True, blank=True)

    class Meta:
        verbose_name = "credit use"
        verbose_name_plural = "credit uses"
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(returned_at__isnull=True),
                name="credituse_one_per_booking",
            )
        ]

    def __str__(self) -> str:
        return f"credit for booking {self.booking_id}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    VOID = "void", "Void"
    UNCOLLECTIBLE = "uncollectible", "Written off"


class DocumentSequence(models.Model):
    """The last number used per kind of document and year; locked to take the next."""

    kind = models.CharField("kind", max_length=20)  # "invoice" or "credit_note"
    year = models.PositiveSmallIntegerField("year")
    last = models.PositiveIntegerField("last number", default=0)

    class Meta:
        verbose_name = "document sequence"
        verbose_name_plural = "document sequences"
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="documentsequence_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Invoice(models.Model):
    client = models.ForeignKey(
        "clients.Client", verbose_name="client", on_delete=models.PROTECT, related_name="invoices"
    )
    # Taken when the invoice is issued: INV-2026-000123 (no gaps within a year).
    number = models.CharField("number", max_length=20, null=True, blank=True, unique=True)
    year = models.PositiveSmallIntegerField("year", null=True, blank=True)
    sequence = models.PositiveIntegerField("sequence", null=True, blank=True)
    status = models.CharField(
        "status", max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    currency = models.CharField("currency", max_length=3)
    subtotal_minor = models.IntegerField("subtotal", default=0)  # net of tax, after discounts
    discount_minor = models.PositiveIntegerField("discount", default=0)
    tax_minor = models.IntegerField("tax", default=0)
    total_minor = models.IntegerField("total", default=0)
    amount_paid_minor = models.PositiveIntegerField("paid", default=0)
    # Credit notes issued against the invoice (refunds and corrections).
    amount_credited_minor = models.PositiveIntegerField("credited", default=0)
    membership = models.ForeignKey(
        Membership,
        verbose_name="membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    promo_code = models.ForeignKey(
        PromoCode, verbose_name="promo code", null=True, blank=True, on_delete=models.PROTECT
    )
    notes = models.TextField("notes", max_length=2000, blank=True)
    issued_at = models.DateTimeField("issued", null=True, blank=True)
    due_on = models.DateField("due", null=True, blank=True)
    paid_at = models.DateTimeField("paid", null=True, blank=True)
    voided_at = models.DateTimeField("void", null=True, blank=True)
    # Dunning: failed automatic charges and when the next try is due.
    failed_attempts = models.PositiveSmallIntegerField("failed charges", default=0)
    next_attempt_at = models.DateTimeField("next charge attempt", null=True, blank=True)
    stripe_payment_intent = models.CharField("Stripe payment", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "invoice"
        verbose_name_plural = "invoices"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"
            ),
            models.UniqueConstraint(
                fields=["year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="invoice_year_sequence_unique",
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT) | Q(number__isnull=False),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid_minor__lte=F("total_minor")) | Q(total_minor__lt=0),
                name="invoice_not_overpaid",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "status"], name="invoice_client_status"),
            # Receivables and the dunning job.
            models.Index(fields=["status", "due_on"], name="invoice_status_due"),
            models.Index(
                fields=["next_attempt_at"],
                name="invoice_next_attempt",
                condition=Q(next_attempt_at__isnull=False),
            ),
            models.Index(fields=["issued_at"], name="invoice_issued"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft #{self.pk}"

    @property
    def amount_due_minor(self) -> int:
        if self.status not in (InvoiceStatus.OPEN,):
            return 0
        return max(self.total_minor - self.amount_paid_minor - self.amount_credited_minor, 0)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name="invoice", on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField("position", default=0)
    description = models.CharField("description", max_length=200)
    product = models.ForeignKey(
        Product, verbose_name="product", null=True, blank=True, on_delete=models.PROTECT
    )
    quantity = models.PositiveSmallIntegerField("quantity", default=1)
    unit_price_minor = models.PositiveIntegerField("unit price")
    # The tax as it was on the day: a later change of the rate does not rewrite invoices.
    tax_name = models.CharField("tax", max_length=60, blank=True)
    tax_percent = models.DecimalField("tax rate (%)", max_digits=6, decimal_places=3, default=0)
    tax_inclusive = models.BooleanField("tax included", default=True)
    discount_minor = models.PositiveIntegerField("discount", default=0)
    net_minor = models.IntegerField("net", default=0)
    tax_minor = models.IntegerField("tax", default=0)
    total_minor = models.IntegerField("total", default=0)
    # Revenue by trainer: the trainer a line's work is for (a PT pack, a session).
    trainer = models.ForeignKey(
        "trainers.Trainer",
        verbose_name="trainer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField("from", null=True, blank=True)
    period_end = models.DateField("until", null=True, blank=True)

    class Meta:
        verbose_name = "invoice line"
        verbose_name_plural = "invoice lines"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD_TERMINAL = "card_terminal", "Card terminal"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CHEQUE = "cheque", "Cheque"
    STRIPE = "stripe", "Card (Stripe)"


MANUAL_METHODS = (
    PaymentMethod.CASH,
    PaymentMethod.CARD_TERMINAL,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.CHEQUE,
)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Payment(models.Model):
    invoice = models.ForeignKey(
        Invoice, verbose_name="invoice", on_delete=models.PROTECT, related_name="payments"
    )
    client = models.ForeignKey(
        "clients.Client", verbose_name="client", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField("method", max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(
        "status", max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.SUCCEEDED
    )
    amount_minor = models.PositiveIntegerField("amount")
    currency = models.CharField("currency", max_length=3)
    refunded_minor = models.PositiveIntegerField("refunded", default=0)
    reference = models.CharField("reference", max_length=100, blank=True)
    received_at = models.DateTimeField("received")
    failure_message = models.CharField("why it failed", max_length=300, blank=True)
    stripe_payment_intent = models.CharField(
        "Stripe payment intent", max_length=255, blank=True, db_index=True
    )
    stripe_charge = models.CharField("Stripe charge", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="recorded by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "payment"
        verbose_name_plural = "payments"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(refunded_minor__lte=F("amount_minor")), name="payment_refund_within"
            ),
            models.CheckConstraint(
                condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"
            ),
            # One row per Stripe payment intent, however often its events arrive.
            models.UniqueConstraint(
                fields=["stripe_payment_intent"],
                condition=~Q(stripe_payment_intent=""),
                name="payment_stripe_intent_unique",
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="payment_received")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount_minor} {self.currency}"

    @property
    def refundable_minor(self) -> int:
        return (
            self.amount_minor - self.refunded_minor if self.status == PaymentStatus.SUCCEEDED else 0
        )


class CreditNote(models.Model):
    """A negative document against an invoice: a refund or a correction, numbered like invoices."""

    invoice = models.ForeignKey(
        Invoice, verbose_name="invoice", on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField("number", max_length=20, unique=True)
    year = models.PositiveSmallIntegerField("year")
    sequence = models.PositiveIntegerField("sequence")
    amount_minor = models.PositiveIntegerField("amount")  # including tax
    tax_minor = models.PositiveIntegerField("of which tax", default=0)
    currency = models.CharField("currency", max_length=3)
    reason = models.CharField("reason", max_length=200)
    issued_at = models.DateTimeField("issued")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "credit note"
        verbose_name_plural = "credit notes"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="creditnote_year_sequence"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="creditnote_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Refund(models.Model):
    payment = models.ForeignKey(
        Payment, verbose_name="payment", on_delete=models.PROTECT, related_name="refunds"
    )
    credit_note = models.OneToOneField(
        CreditNote, verbose_name="credit note", on_delete=models.PROTECT, related_name="refund"
    )
    amount_minor = models.PositiveIntegerField("amount")
    currency = models.CharField("currency", max_length=3)
    status = models.CharField(
        "status", max_length=20, choices=RefundStatus.choices, default=RefundStatus.SUCCEEDED
    )
    # Stripe refunds go back to the card; others are recorded as paid back by hand.
    via_stripe = models.BooleanField("through Stripe", default=False)
    stripe_refund = models.CharField("Stripe refund", max_length=255, blank=True)
    reason = models.CharField("reason", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "refund"
        verbose_name_plural = "refunds"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_positive"),
            models.UniqueConstraint(
                fields=["stripe_refund"],
                condition=~Q(stripe_refund=""),
                name="refund_stripe_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount_minor} {self.currency}"


class StripeCustomer(models.Model):
    """A client's customer at Stripe and the card saved there for renewals (never the number)."""

    client = models.OneToOneField(
        "clients.Client", verbose_name="client", on_delete=models.PROTECT, related_name="stripe"
    )
    customer_id = models.CharField("Stripe customer", max_length=255, unique=True)
    payment_method_id = models.CharField("saved card", max_length=255, blank=True)
    card_brand = models.CharField("card", max_length=20, blank=True)
    card_last4 = models.CharField("last four digits", max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "Stripe customer"
        verbose_name_plural = "Stripe customers"

    def __str__(self) -> str:
        return self.customer_id


class StripeEvent(models.Model):
    """Each webhook event once: its id is unique, so a repeat is recognised and skipped."""

    event_id = models.CharField("event", max_length=255, unique=True)
    type = models.CharField("type", max_length=100)
    # Stripe's own time of the event (to tell a stale event from a fresh one).
    created = models.DateTimeField("created at Stripe")
    received_at = models.DateTimeField("received", auto_now_add=True)
    processed_at = models.DateTimeField("processed", null=True, blank=True)
    payload = models.JSONField("payload")
    error = models.TextField("error", blank=True)

    class Meta:
        verbose_name = "Stripe event"
        verbose_name_plural = "Stripe events"
        ordering = ["-created"]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="stripeevent_unprocessed",
                condition=Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class BillingSettings(models.Model):
    """The owner's billing policy and the business details printed on invoices; one row."""

    business_name = models.CharField("business name", max_length=150, blank=True)
    business_address = models.TextField("address", max_length=500, blank=True)
    tax_number = models.CharField("VAT or tax number", max_length=50, blank=True)
    invoice_footer = models.CharField("invoice footer", max_length=300, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        "invoices due after (days)", default=7, validators=[MaxValueValidator(120)]
    )
    # Days after the first failed renewal charge on which it is tried again.
    dunning_days = models.JSONField("retry failed renewals on days", default=list)
    block_booking_when_past_due = models.BooleanField(
        "stop bookings after a failed payment", default=True
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    DEFAULT_DUNNING_DAYS = [1, 4, 11]

    class Meta:
        verbose_name = "billing settings"
        verbose_name_plural = "billing settings"

    def __str__(self) -> str:
        return "Billing settings"

    @classmethod
    def load(cls) -> "BillingSettings":
        found, _ = cls.objects.get_or_create(
            pk=1, defaults={"dunning_days": list(cls.DEFAULT_DUNNING_DAYS)}
        )
        return found
