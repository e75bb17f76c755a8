from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "fitnesscrm.training"
    label = "training"
    verbose_name = "Training"
