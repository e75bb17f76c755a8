"""The client's billing in the portal, mounted at /portal/billing/."""

from django.urls import path

from fitnesscrm.billing import views_portal as views

app_name = "billing-portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("membership/<int:membership_id>/cancel/", views.membership_cancel, name="cancel"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoice/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("invoice/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path("invoice/<int:invoice_id>/pay/", views.invoice_pay, name="pay"),
    path("credit-note/<int:credit_note_id>/pdf/", views.credit_note_pdf, name="credit-note-pdf"),
    path("card/", views.card_update, name="card"),
    path("shop/", views.shop, name="shop"),
    path("shop/buy/", views.buy, name="buy"),
]
