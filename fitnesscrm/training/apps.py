from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "fitnesscrm.training"
    label = "training"
    verbose_name = "Training"

    def ready(self):
        from fitnesscrm.clients.services import MERGE_HOOKS
        from fitnesscrm.training.services.programs import programs_merge
        from fitnesscrm.training.services.workouts import workout_logs_merge

        # Programs first: the logs moved next keep pointing at the same copies.
        for hook in (programs_merge, workout_logs_merge):
            if hook not in MERGE_HOOKS:
                MERGE_HOOKS.append(hook)
