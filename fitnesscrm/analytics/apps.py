from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fitnesscrm.analytics"
    label = "analytics"
    verbose_name = "Dashboards and reports"
