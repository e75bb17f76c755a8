from django.apps import AppConfig


class TrainersConfig(AppConfig):
    name = "fitnesscrm.trainers"
    label = "trainers"
    verbose_name = "Trainers and staff"

    def ready(self):
        from django.contrib.auth import get_user_model

        from fitnesscrm.core import generations
        from fitnesscrm.trainers.models import Trainer
        from fitnesscrm.trainers.selectors import GENERATION

        # What trainer_choices shows: trainers, and the names on their accounts.
        generations.follow(GENERATION, Trainer, get_user_model())
