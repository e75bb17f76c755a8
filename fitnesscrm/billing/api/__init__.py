"""API of billing: products, memberships, invoices, payments and refunds."""

from ninja import Router

from fitnesscrm.billing.api import invoices, memberships, payments

router = Router()
router.add_router("", invoices.router)
router.add_router("", payments.router)
router.add_router("", memberships.router)
