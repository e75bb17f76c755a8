"""Forms of the billing pages: the shape of the input; the rules live in billing.services.

Amounts are typed in major units ("12.50") and turned into minor units with
core.money.parse_amount, which refuses negative amounts, zero and more decimals than
the currency has; the message is shown at the field.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from fitnesscrm.billing.models import (
    MANUAL_METHODS,
    BillingSettings,
    InvoiceStatus,
    Product,
    ProductKind,
    PromoCode,
    PromoKind,
    TaxRate,
)
from fitnesscrm.billing.services.catalog import MAX_DUNNING_DAYS
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.money import parse_amount, to_major
from fitnesscrm.core.pages import apply_errors as _apply_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Where a service names a field the form calls otherwise.
FIELD_ALIASES = {
    "received_at": "amount",
    "price_minor": "price",
    "signup_fee_minor": "signup_fee",
    "value": "amount",
}


def apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    """A service's refusal at the fields it names (under the form's own names)."""
    _apply_errors(form, exc, aliases=FIELD_ALIASES)


def major(minor: int | None, currency: str | None = None) -> str:
    """Minor units as typed in a form: 1250 → "12.50"."""
    if minor is None:
        return ""
    return f"{to_major(minor, currency or settings.CURRENCY):f}"


def amount_of(value: str, *, currency: str, allow_zero: bool = False) -> int:
    """parse_amount as a form's ValidationError."""
    try:
        return parse_amount(value, currency, allow_zero=allow_zero)
    except ApplicationError as exc:
        raise ValidationError(exc.message) from exc


def _amount_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class InvoiceFilterForm(StyledFormMixin, forms.Form):
    """The invoice list's filters; a bad value is ignored, never an error page."""

    q = forms.CharField(
        label="Client",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or email"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *InvoiceStatus.choices]
    )
    start = forms.DateField(label="Issued from", required=False, widget=DATE)
    end = forms.DateField(label="Issued until", required=False, widget=DATE)
    client = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, data):
        super().__init__(data)
        self.is_valid()

    def value(self, name: str):
        return self.cleaned_data.get(name) if name not in self.errors else None


class PaymentForm(StyledFormMixin, forms.Form):
    """Money received at the desk against one invoice; partial payments are fine."""

    amount = _amount_field("Amount")
    method = forms.ChoiceField(label="Method", choices=[(m.value, m.label) for m in MANUAL_METHODS])
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=100,
        help_text="Receipt, transfer or cheque number (optional).",
    )

    def __init__(self, data=None, *, currency: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int:
        return amount_of(self.cleaned_data["amount"], currency=self.currency)


class RefundForm(StyledFormMixin, forms.Form):
    amount = _amount_field("Amount to refund")
    reason = forms.CharField(label="Reason", max_length=200)

    def __init__(self, data=None, *, currency: str, **kwargs):
        super().__init__(data, **kwargs)
        self.currency = currency

    def clean_amount(self) -> int:
        return amount_of(self.cleaned_data["amount"], currency=self.currency)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="Reason", max_length=200)

    def __init__(self, data=None, *, required: bool = True, prefix=None, **kwargs):
        super().__init__(data, prefix=prefix, **kwargs)
        self.fields["reason"].required = required


# --- New invoice ---------------------------------------------------------------------------


class InvoiceForm(StyledFormMixin, forms.Form):
    client = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": "Pick a client."}
    )
    promo_code = forms.CharField(label="Promo code", required=False, max_length=40)
    notes = forms.CharField(
        label="Notes on the invoice",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LineForm(StyledFormMixin, forms.Form):
    """One line: a product (its name, price and tax are the defaults) or free text."""

    product = forms.TypedChoiceField(label="Product", required=False, coerce=int, empty_value=None)
    description = forms.CharField(label="Description", required=False, max_length=200)
    quantity = forms.IntegerField(label="Qty", min_value=1, max_value=1000, initial=1)
    unit_price = _amount_field("Unit price", required=False)
    tax_rate = forms.TypedChoiceField(label="Tax", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, products, tax_rates, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {p.pk: p for p in products}
        self.tax_rates = {t.pk: t for t in tax_rates}
        self.currency = currency
        self.fields["product"].choices = [("", "Free text")] + [
            (p.pk, f"{p.name} ({major(p.price_minor, p.currency)})") for p in products
        ]
        self.fields["tax_rate"].choices = [("", "Product's / none")] + [
            (t.pk, str(t)) for t in tax_rates
        ]
        self.fields["quantity"].required = False

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("product") or data.get("description") or data.get("unit_price"))

    def clean(self):
        data = super().clean()
        product = self.products.get(data.get("product")) if data.get("product") else None
        if data.get("product") and product is None:
            self.add_error("product", "Choose a product on sale.")
        tax = self.tax_rates.get(data.get("tax_rate")) if data.get("tax_rate") else None
        if data.get("tax_rate") and tax is None:
            self.add_error("tax_rate", "Choose an active tax rate.")
        data["product_obj"] = product
        data["tax_obj"] = tax or (product.tax_rate if product else None)
        if self.is_blank():
            return data
        if not data.get("description") and product is None:
            self.add_error("description", "Describe what the line is for.")
        typed = data.get("unit_price") or ""
        if typed:
            try:
                data["unit_price_minor"] = parse_amount(typed, self.currency, allow_zero=True)
            except ApplicationError as exc:
                self.add_error("unit_price", exc.message)
        elif product is not None:
            data["unit_price_minor"] = product.price_minor
        else:
            self.add_error("unit_price", "Enter a price.")
        data["quantity"] = data.get("quantity") or 1
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if all(form.is_blank() for form in self.forms):
            raise ValidationError("Add at least one line.")


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=0, min_num=4, max_num=50, absolute_max=50
)


# --- Setup: products, tax rates, promo codes, settings --------------------------------------


class TaxRateForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = TaxRate
        fields = ["name", "percent", "inclusive", "is_active"]


class ProductForm(StyledFormMixin, forms.ModelForm):
    price = _amount_field("Price")
    signup_fee = _amount_field("Sign-up fee", required=False, help_text="Memberships only.")

    class Meta:
        model = Product
        fields = [
            "kind",
            "name",
            "description",
            "tax_rate",
            "interval",
            "minimum_term_months",
            "notice_days",
            "credits",
            "credit_days",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    field_order = ["kind", "name", "price", "tax_rate", "interval", "signup_fee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = self.instance.currency or settings.CURRENCY
        self.fields["tax_rate"].queryset = TaxRate.objects.filter(is_active=True)
        self.fields["interval"].help_text = "Memberships only."
        self.fields["credits"].help_text = "Packs, drop-ins and trials: classes it pays for."
        if self.instance.pk:
            self.initial.setdefault("price", major(self.instance.price_minor, self.currency))
            if self.instance.signup_fee_minor:
                self.initial.setdefault(
                    "signup_fee", major(self.instance.signup_fee_minor, self.currency)
                )

    def clean_price(self) -> int:
        return amount_of(self.cleaned_data["price"], currency=self.currency, allow_zero=True)

    def clean_signup_fee(self) -> int:
        typed = self.cleaned_data.get("signup_fee") or ""
        return amount_of(typed, currency=self.currency, allow_zero=True) if typed else 0

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ProductKind.MEMBERSHIP and not data.get("interval"):
            self.add_error("interval", "Say how often a membership is billed.")
        if kind and kind != ProductKind.MEMBERSHIP:
            data["interval"] = ""
            if not data.get("credits"):
                self.add_error("credits", "Say how many classes it pays for.")
        return data


class PromoCodeForm(StyledFormMixin, forms.ModelForm):
    amount = forms.CharField(
        label="Value",
        max_length=20,
        help_text="A percent (1 to 100), or an amount such as 5.00.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    class Meta:
        model = PromoCode
        fields = ["code", "kind", "products", "valid_from", "valid_until", "max_uses", "is_active"]
        widgets = {
            "valid_from": DATE,
            "valid_until": DATE,
            "products": forms.SelectMultiple(attrs={"size": 4}),
        }

    field_order = ["code", "kind", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = self.instance.currency or settings.CURRENCY
        self.fields["products"].help_text = "Leave empty for every product."
        self.fields["products"].queryset = Product.objects.order_by("name")
        if self.instance.pk:
            value = self.instance.value
            self.initial.setdefault(
                "amount",
                str(value)
                if self.instance.kind == PromoKind.PERCENT
                else major(value, self.currency),
            )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        taken = PromoCode.objects.filter(code__iexact=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError("There is already a promo code with this name.")
        return code

    def clean(self):
        data = super().clean()
        typed = (data.get("amount") or "").strip()
        if data.get("kind") == PromoKind.PERCENT and typed:
            if not typed.isdigit() or not 1 <= int(typed) <= 100:
                self.add_error("amount", "A percent is a whole number from 1 to 100.")
            else:
                data["value"] = int(typed)
        elif typed:
            try:
                data["value"] = parse_amount(typed, self.currency)
            except ApplicationError as exc:
                self.add_error("amount", exc.message)
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "The end comes before the start.")
        return data


class BillingSettingsForm(StyledFormMixin, forms.ModelForm):
    dunning = forms.CharField(
        label="Retry failed renewals on days",
        max_length=40,
        help_text="Days after the first failure, such as 1, 4, 11.",
    )

    class Meta:
        model = BillingSettings
        fields = [
            "business_name",
            "business_address",
            "tax_number",
            "invoice_footer",
            "payment_terms_days",
            "block_booking_when_past_due",
        ]
        widgets = {"business_address": forms.Textarea(attrs={"rows": 3})}

    field_order = [*Meta.fields[:5], "dunning", "block_booking_when_past_due"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault(
            "dunning", ", ".join(str(day) for day in self.instance.dunning_days or [])
        )

    def clean_dunning(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["dunning"].split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValidationError("Whole numbers of days, separated by commas.")
        days = sorted({int(part) for part in parts})
        if not days or days[0] < 1 or days[-1] > 60:
            raise ValidationError("Days from 1 to 60.")
        if len(days) > MAX_DUNNING_DAYS:
            raise ValidationError(f"At most {MAX_DUNNING_DAYS} retries.")
        return days
