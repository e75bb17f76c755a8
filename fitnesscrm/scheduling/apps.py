from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "fitnesscrm.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from fitnesscrm.clients.services import MERGE_HOOKS
        from fitnesscrm.scheduling.services import bookings_merge

        if bookings_merge not in MERGE_HOOKS:
            MERGE_HOOKS.append(bookings_merge)
