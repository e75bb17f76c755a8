from django.apps import AppConfig


class TrainersConfig(AppConfig):
    name = "fitnesscrm.trainers"
    label = "trainers"
    verbose_name = "Trainers and staff"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from fitnesscrm.trainers.models import Trainer
        from fitnesscrm.trainers.selectors import trainers_changed

        # What trainer_choices shows: trainers, and the names on their accounts.
        for model in (Trainer, get_user_model()):
            post_save.connect(trainers_changed, sender=model, dispatch_uid=f"tc-{model.__name__}-s")
            post_delete.connect(
                trainers_changed, sender=model, dispatch_uid=f"tc-{model.__name__}-d"
            )
