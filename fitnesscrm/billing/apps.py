from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fitnesscrm.billing"
    label = "billing"
    verbose_name = "Billing"
