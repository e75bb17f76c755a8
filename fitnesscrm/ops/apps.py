from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "fitnesscrm.ops"
    label = "ops"
    verbose_name = "Operations"
