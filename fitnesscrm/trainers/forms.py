"""Forms of the trainer and staff pages: shape only; the rules live in trainers.services."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings

from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.roles import STAFF_ROLES, Role

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25

# Currencies without minor units (ISO 4217 exponent 0); every other one has cents.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV"}
    | {"XAF", "XOF", "XPF"}
)
# The highest hourly rate the services accept, in major units.
MAX_RATE = Decimal("100000")
_AMOUNT = re.compile(r"^\d{1,6}(?:\.\d+)?$")


def minor_digits(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def amount_to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_digits(currency)))


def minor_to_amount(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_digits(currency))


class MoneyField(forms.CharField):
    """An amount typed in the business currency ("45.50"), cleaned to integer minor units.

    Parsed with Decimal from a strict pattern: no floats, no exponents ("1e9"), no
    signs, no more decimals than the currency has.
    """

    def __init__(self, *, currency: str | None = None, max_amount: Decimal = MAX_RATE, **kwargs):
        self._currency = currency
        self.max_amount = max_amount
        # No max_length: its validator would run on the cleaned integer. The pattern bounds it.
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "20")
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    @property
    def currency(self) -> str:
        # Read when used, not when the form class is defined: settings may change (tests).
        return (self._currency or settings.CURRENCY).upper()

    def to_python(self, value):
        text = super().to_python(value).replace(" ", "")
        if text in self.empty_values:
            return None
        digits = minor_digits(self.currency)
        example = "45.50" if digits else "4550"
        if text.startswith("-"):
            raise forms.ValidationError("The rate cannot be negative.", code="negative")
        if "," in text:
            raise forms.ValidationError(
                f"Use a dot for decimals and no thousands separator, e.g. {example}.",
                code="separator",
            )
        if not _AMOUNT.fullmatch(text):
            raise forms.ValidationError(
                f"Enter an amount in {self.currency}, e.g. {example}.", code="invalid"
            )
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:  # the pattern should make this impossible
            raise forms.ValidationError(f"Enter an amount like {example}.") from exc
        if -amount.as_tuple().exponent > digits:
            raise forms.ValidationError(
                f"{self.currency} amounts have at most {digits} decimal places."
                if digits
                else f"{self.currency} amounts have no decimal places.",
                code="precision",
            )
        if amount > self.max_amount:
            raise forms.ValidationError(
                f"At most {self.max_amount:,} {self.currency} an hour.", code="too_large"
            )
        return amount_to_minor(amount, self.currency)

    def prepare_value(self, value):
        # Initial data arrives as minor units (int); re-shown input stays as typed.
        if isinstance(value, int):
            amount = minor_to_amount(value, self.currency)
            return f"{amount:.{minor_digits(self.currency)}f}"
        return value


def split_names(text: str) -> list[str]:
    """ "Yoga, HIIT; pilates" → ["Yoga", "HIIT", "pilates"] (blank parts dropped, order kept)."""
    seen, names = set(), []
    for part in re.split(r"[,;\n]", text or ""):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


class SpecializationsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Specializations")
        kwargs.setdefault("help_text", "Separate them with commas, e.g. “Strength, Mobility”.")
        super().__init__(**kwargs)

    def to_python(self, value):
        names = split_names(super().to_python(value))
        for name in names:
            if len(name) > 60:
                raise forms.ValidationError(f"“{name[:40]}…” is longer than 60 characters.")
        if len(names) > 20:
            raise forms.ValidationError("At most 20 specializations.")
        return names

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


class TrainerFilterForm(StyledFormMixin, forms.Form):
    """The trainer list's query string; bad values fall back to the defaults."""

    ACTIVE_CHOICES = (("active", "Active"), ("inactive", "Inactive"), ("all", "All"))
    SORT_CHOICES = (
        ("name", "Name, A to Z"),
        ("-name", "Name, Z to A"),
        ("-clients", "Most clients"),
        ("clients", "Fewest clients"),
        ("-rate", "Highest rate"),
        ("rate", "Lowest rate"),
    )

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Name or email", "autocomplete": "off"}),
    )
    active = forms.ChoiceField(required=False, choices=ACTIVE_CHOICES, label="Status")
    specialization = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Specialization"
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort")
    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=DEFAULT_PER_PAGE,
        choices=[(n, f"{n} per page") for n in PER_PAGE_CHOICES],
        label="Per page",
    )

    DEFAULTS = {"active": "active", "sort": "name", "per_page": str(DEFAULT_PER_PAGE)}

    def __init__(self, data=None, *args, specializations=(), show_rates: bool = True, **kwargs):
        # Always bound, with the defaults filled in, so the selects show what is applied.
        data = data.copy() if data is not None else {}
        for name, value in self.DEFAULTS.items():
            if not data.get(name):
                data[name] = value
        super().__init__(data, *args, **kwargs)
        self.fields["specialization"].choices = [("", "Any specialization")] + [
            (s.pk, s.name) for s in specializations
        ]
        if not show_rates:
            self.fields["sort"].choices = [
                c for c in self.SORT_CHOICES if not c[0].endswith("rate")
            ]

    def filters(self) -> dict:
        """Cleaned filters; a field with a bad value takes its default."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        active = {"active": True, "inactive": False, "all": None}.get(
            data.get("active") or "active"
        )
        return {
            "q": (data.get("q") or "").strip(),
            "active": active,
            "specialization_id": data.get("specialization"),
            "sort": data.get("sort") or "name",
            "per_page": data.get("per_page") or DEFAULT_PER_PAGE,
        }


class TrainerProfileForm(StyledFormMixin, forms.Form):
    """The profile of a trainer. A trainer editing their own gets bio and specializations only."""

    MANAGER_FIELDS = ("hourly_rate", "colour", "is_active")

    bio = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What clients read about this trainer. At most 4000 characters.",
    )
    specializations = SpecializationsField()
    hourly_rate = MoneyField(label="Hourly rate", required=False)
    colour = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        label="Calendar colour",
        initial="#1f8a70",
        error_messages={"invalid": "Use a colour like #1f8a70."},
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="Inactive trainers leave the pickers but keep their history.",
    )

    def __init__(self, *args, full: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hourly_rate"].label = f"Hourly rate ({self.fields['hourly_rate'].currency})"
        self.fields["hourly_rate"].help_text = "Leave empty for no rate."
        if not full:
            for name in self.MANAGER_FIELDS:
                del self.fields[name]

    def profile(self) -> dict:
        """Arguments for trainers.services (trainer_create / trainer_update)."""
        data = self.cleaned_data
        values = {"bio": data["bio"], "specializations": data["specializations"]}
        if "hourly_rate" in self.fields:
            values["hourly_rate_minor"] = data["hourly_rate"] or 0
            values["colour"] = data["colour"].lower()
        return values


class TrainerCreateForm(TrainerProfileForm):
    """A new trainer profile, for an existing staff account or one created in the same form."""

    user = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Existing staff account",
        empty_label="— Create a new staff account —",
        help_text="Active staff accounts that have no trainer profile yet.",
    )
    email = forms.EmailField(required=False, max_length=254, label="Email")
    full_name = forms.CharField(required=False, max_length=150, label="Full name")
    role = forms.ChoiceField(required=False, label="Role", initial=Role.TRAINER)

    field_order = ("user", "full_name", "email", "role")

    def __init__(self, *args, accounts, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.full_name or u.email} · {u.get_role_display()} · {u.email}"
        )
        self.fields["role"].choices = staff_role_choices(actor)
        # A new profile starts active; the edit page switches it off.
        self.fields.pop("is_active", None)
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        if data.get("user"):
            return data
        if not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Pick an existing account above, or give an email.")
        if not (data.get("full_name") or "").strip() and "full_name" not in self.errors:
            self.add_error("full_name", "Give the new staff member's full name.")
        if not data.get("role") and "role" not in self.errors:
            self.add_error("role", "Choose a role.")
        return data


class CertificationForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120, label="Certification")
    issuer = forms.CharField(max_length=120, required=False, label="Issuer")
    issued_on = forms.DateField(
        required=False, label="Issued on", widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        required=False, label="Expires on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date is before the issue date.")
        return data


def staff_role_choices(actor) -> list[tuple[str, str]]:
    """The roles `actor` may give a new staff account: only an owner makes another owner."""
    roles = [r for r in Role if r in STAFF_ROLES]
    if actor.role != Role.OWNER:
        roles = [r for r in roles if r != Role.OWNER]
    order = [Role.TRAINER, Role.FRONT_DESK, Role.MANAGER, Role.OWNER]
    return [(r.value, r.label) for r in order if r in roles]


class StaffCreateForm(StyledFormMixin, forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(max_length=254, label="Email")
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = staff_role_choices(actor)
        self.fields["role"].initial = Role.TRAINER

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Give the new staff member's full name.")
        return name


class StaffFilterForm(StyledFormMixin, forms.Form):
    ACTIVE_CHOICES = (("", "Any status"), ("active", "Active"), ("inactive", "Inactive"))

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Name or email", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(required=False, label="Role")
    active = forms.ChoiceField(required=False, choices=ACTIVE_CHOICES, label="Status")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Any role")] + [
            (r.value, r.label) for r in Role if r in STAFF_ROLES
        ]

    def filters(self) -> dict:
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return {
            "q": (data.get("q") or "").strip(),
            "role": data.get("role") or "",
            "active": {"active": True, "inactive": False}.get(data.get("active") or ""),
        }
