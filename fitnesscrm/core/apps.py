from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fitnesscrm.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from fitnesscrm.core import stored_text

        stored_text.connect()
