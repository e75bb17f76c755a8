"""Money on pages (`{% money minor currency %}`) and `{% client_billing client %}` for a
client's record page: memberships and credits, and, for the money roles, invoices and payments.
"""

from django import template
from django.utils import timezone

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import InvoiceStatus
from fitnesscrm.core.money import format_money

register = template.Library()

# Rows of each list on the client's page; the rest are in the billing pages.
SHOWN = 5


@register.simple_tag
def money(minor, currency) -> str:
    return format_money(int(minor or 0), currency)


@register.filter
def overdue(invoice) -> bool:
    return (
        invoice.status == InvoiceStatus.OPEN
        and invoice.due_on is not None
        and invoice.due_on < timezone.localdate()
    )


@register.inclusion_tag("billing/_client_billing.html", takes_context=True)
def client_billing(context, client) -> dict:
    user = context["request"].user
    memberships = list(
        selectors.visible_memberships(user)
        .filter(client=client)
        .select_related("product")
        .order_by("-started_on", "-id")[:SHOWN]
    )
    sees_money = selectors.sees_money(user)
    invoices = payments = []
    if sees_money:
        invoices = list(
            selectors.visible_invoices(user)
            .filter(client=client)
            .order_by("-created_at", "-id")[:SHOWN]
        )
        payments = list(
            selectors.visible_payments(user)
            .filter(client=client)
            .select_related("invoice")
            .order_by("-received_at", "-id")[:SHOWN]
        )
    return {
        "client": client,
        "memberships": memberships,
        "credits": selectors.credits_available(client.pk),
        "sees_money": sees_money,
        "invoices": invoices,
        "payments": payments,
    }
