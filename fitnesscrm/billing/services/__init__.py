"""Every write to money: invoices, payments, refunds; memberships and credits build on them."""

from fitnesscrm.billing.services.catalog import (
    product_create,
    product_purchase,
    product_update,
    promo_code_create,
    promo_code_update,
    tax_rate_create,
    tax_rate_update,
)
from fitnesscrm.billing.services.credits import credit_grant_manual
from fitnesscrm.billing.services.dunning import dunning_retry_now
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
from fitnesscrm.billing.services.memberships import (
    MembershipStarted,
    membership_cancel,
    membership_pause,
    membership_resume,
    membership_start,
    memberships_expire,
    memberships_renew,
)
from fitnesscrm.billing.services.payments import (
    apply_payment,
    check_refundable,
    credit_note_issue,
    payment_record,
    refund_record,
)
from fitnesscrm.billing.services.stripe_refunds import refund_via_stripe

__all__ = [
    "PAID_HOOKS",
    "LineSpec",
    "MembershipStarted",
    "apply_payment",
    "check_refundable",
    "compute_lines",
    "credit_grant_manual",
    "credit_note_issue",
    "dunning_retry_now",
    "invoice_create",
    "invoice_delete_draft",
    "invoice_issue",
    "invoice_void",
    "invoice_write_off",
    "membership_cancel",
    "membership_pause",
    "membership_resume",
    "membership_start",
    "memberships_expire",
    "memberships_renew",
    "next_number",
    "payment_record",
    "product_create",
    "product_purchase",
    "product_update",
    "promo_check",
    "promo_code_create",
    "promo_code_update",
    "refund_record",
    "refund_via_stripe",
    "tax_rate_create",
    "tax_rate_update",
]
