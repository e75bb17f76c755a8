from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "fitnesscrm.progress"
    label = "progress"
    verbose_name = "Progress"
