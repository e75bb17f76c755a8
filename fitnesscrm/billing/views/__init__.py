"""Staff pages of billing: invoices and their payments and refunds, memberships, setup.

Thin adapters: reads come from billing.selectors (already scoped to the user), writes
go through billing.services; a record the user may not see is a 404, one they see but
may not change a 403.

One module per area: invoices (list, detail and its actions, new invoice, PDFs),
payments (refunds), memberships (the list), setup (products, tax rates, promo codes,
the owner's billing settings).
"""

from fitnesscrm.billing.views.invoices import (
    credit_note_pdf,
    invoice_charge_card,
    invoice_create,
    invoice_delete,
    invoice_detail,
    invoice_email,
    invoice_issue,
    invoice_list,
    invoice_pay,
    invoice_pdf,
    invoice_void,
    invoice_write_off,
)
from fitnesscrm.billing.views.memberships import membership_list
from fitnesscrm.billing.views.payments import payment_refund
from fitnesscrm.billing.views.setup import billing_settings, setup_edit, setup_list

__all__ = [
    "billing_settings",
    "credit_note_pdf",
    "invoice_charge_card",
    "invoice_create",
    "invoice_delete",
    "invoice_detail",
    "invoice_email",
    "invoice_issue",
    "invoice_list",
    "invoice_pay",
    "invoice_pdf",
    "invoice_void",
    "invoice_write_off",
    "membership_list",
    "payment_refund",
    "setup_edit",
    "setup_list",
]
