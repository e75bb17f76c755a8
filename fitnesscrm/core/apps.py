from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fitnesscrm.core"
    label = "core"
    verbose_name = "Core"
