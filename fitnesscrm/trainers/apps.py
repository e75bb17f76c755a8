from django.apps import AppConfig


class TrainersConfig(AppConfig):
    name = "fitnesscrm.trainers"
    label = "trainers"
    verbose_name = "Trainers and staff"
