"""Every write to money: invoices, payments, refunds; memberships and credits build on them."""

from fitnesscrm.billing.services.invoices import (
    PAID_HOOKS,
    LineSpec,
    compute_lines,
    invoice_create,
    invoice_delete_draft,
    invoice_issue,
    invoice_void,
    invoice_write_off,
    next_number,
    promo_check,
)
from fitnesscrm.billing.services.payments import (
    apply_payment,
    check_refundable,
    credit_note_issue,
    payment_record,
    refund_record,
)

__all__ = [
    "PAID_HOOKS",
    "LineSpec",
    "apply_payment",
    "check_refundable",
    "compute_lines",
    "credit_note_issue",
    "invoice_create",
    "invoice_delete_draft",
    "invoice_issue",
    "invoice_void",
    "invoice_write_off",
    "next_number",
    "payment_record",
    "promo_check",
    "refund_record",
]
