"""Template filters of the trainer pages: money in minor units, and initials."""

from django import template
from django.conf import settings

from fitnesscrm.trainers.forms import minor_digits, minor_to_amount

register = template.Library()

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "JPY": "¥", "INR": "₹"}


@register.filter
def money(minor, currency: str = ""):
    """4550 → "£45.50" (the business currency unless one is given)."""
    if minor is None or minor == "":
        return ""
    currency = (currency or settings.CURRENCY).upper()
    amount = minor_to_amount(int(minor), currency)
    text = f"{amount:,.{minor_digits(currency)}f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.filter
def initials(name: str) -> str:
    """ "Tom Trainer" → "TT"; one word → its first letter."""
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    if not parts:
        return "?"
    letters = parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")
    return letters.upper()
