from django.urls import path

from fitnesscrm.billing import stripe_views

app_name = "billing-stripe"

urlpatterns = [
    path("webhook", stripe_views.webhook, name="webhook"),
    path("checkout/done/", stripe_views.checkout_done, name="checkout-done"),
    path("checkout/cancelled/", stripe_views.checkout_cancelled, name="checkout-cancelled"),
]
