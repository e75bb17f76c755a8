"""Money as an integer of minor units plus an ISO 4217 currency code; never a float.

Amounts typed by people ("12.50") are parsed with the currency's number of decimals
and refused when they have more; tax is computed with Decimal and rounded half up,
once per invoice line.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

from fitnesscrm.core.errors import ApplicationError

# ISO 4217 minor units where they are not 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}
# The largest amount anything in FitnessCRM holds: 10 million in major units.
MAX_MAJOR_UNITS = 10_000_000


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def default_currency() -> str:
    return settings.CURRENCY


def max_minor(currency: str) -> int:
    return MAX_MAJOR_UNITS * 10 ** exponent(currency)


def parse_amount(text, currency: str, *, field: str = "amount", allow_zero: bool = False) -> int:
    """Minor units of an amount typed in major units ("12.5" GBP → 1250); refuses bad input.

    Negative amounts, zero (unless allowed), more decimals than the currency has, and
    amounts over MAX_MAJOR_UNITS are refused with a message naming `field`.
    """

    def refuse(message: str) -> ApplicationError:
        return ApplicationError(
            message, code="invalid_amount", errors=[{"field": field, "message": message}]
        )

    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise refuse("Enter an amount such as 12.50.") from exc
    if not value.is_finite():
        raise refuse("Enter an amount such as 12.50.")
    places = exponent(currency)
    if -value.as_tuple().exponent > places:
        raise refuse(
            f"{currency} amounts have {places} decimal places at most."
            if places
            else f"{currency} amounts have no decimal places."
        )
    minor = int(value.scaleb(places))
    if minor < 0 or (minor == 0 and not allow_zero):
        raise refuse(
            "The amount must be more than zero." if minor == 0 else "The amount cannot be negative."
        )
    if minor > max_minor(currency):
        raise refuse(f"The amount is over {MAX_MAJOR_UNITS:,} {currency}.")
    return minor


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def format_money(minor: int, currency: str) -> str:
    """ "£12.50", "-£3.00", "1,250 JPY": for pages, emails and PDFs."""
    places = exponent(currency)
    sign = "-" if minor < 0 else ""
    number = f"{abs(to_major(minor, currency)):,.{places}f}"
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TaxSplit:
    net: int
    tax: int
    gross: int


def split_tax(amount: int, rate_percent: Decimal, *, inclusive: bool) -> TaxSplit:
    """Net, tax and gross of one line amount in minor units, rounded half up once.

    `inclusive`: `amount` already contains the tax (a £12.00 price with 20 % VAT is
    £10.00 net and £2.00 tax); otherwise the tax is added on top.
    """
    rate = Decimal(rate_percent) / 100
    if rate < 0:
        raise ValueError("a tax rate cannot be negative")
    if inclusive:
        net = round_half_up(Decimal(amount) / (1 + rate))
        return TaxSplit(net=net, tax=amount - net, gross=amount)
    tax = round_half_up(Decimal(amount) * rate)
    return TaxSplit(net=amount, tax=tax, gross=amount + tax)
