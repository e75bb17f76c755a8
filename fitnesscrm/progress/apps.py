from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "fitnesscrm.progress"
    label = "progress"
    verbose_name = "Progress"

    def ready(self):
        from fitnesscrm.clients.services import MERGE_HOOKS
        from fitnesscrm.progress.services.merge import progress_merge
        from fitnesscrm.progress.services.photos import photos_merge

        for hook in (progress_merge, photos_merge):
            if hook not in MERGE_HOOKS:
                MERGE_HOOKS.append(hook)
