"""Staff pages of billing, mounted at /billing/."""

from django.urls import path

from fitnesscrm.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("invoices/new/", views.invoice_create, name="invoice-create"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:invoice_id>/pay/", views.invoice_pay, name="invoice-pay"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice-issue"),
    path("invoices/<int:invoice_id>/delete/", views.invoice_delete, name="invoice-delete"),
    path("invoices/<int:invoice_id>/void/", views.invoice_void, name="invoice-void"),
    path("invoices/<int:invoice_id>/write-off/", views.invoice_write_off, name="invoice-write-off"),
    path("invoices/<int:invoice_id>/email/", views.invoice_email, name="invoice-email"),
    path(
        "invoices/<int:invoice_id>/charge-card/",
        views.invoice_charge_card,
        name="invoice-charge-card",
    ),
    path("payments/<int:payment_id>/refund/", views.payment_refund, name="payment-refund"),
    path("credit-notes/<int:credit_note_id>/pdf/", views.credit_note_pdf, name="credit-note-pdf"),
    path("memberships/", views.membership_list, name="memberships"),
    path("products/", views.setup_list("product"), name="products"),
    path("products/<int:product_id>/", views.setup_edit("product"), name="product"),
    path("tax-rates/", views.setup_list("tax-rate"), name="tax-rates"),
    path("tax-rates/<int:tax_rate_id>/", views.setup_edit("tax-rate"), name="tax-rate"),
    path("promo-codes/", views.setup_list("promo-code"), name="promo-codes"),
    path("promo-codes/<int:promo_code_id>/", views.setup_edit("promo-code"), name="promo-code"),
    path("settings/", views.billing_settings, name="settings"),
]
