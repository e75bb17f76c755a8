from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "fitnesscrm.clients"
    label = "clients"
    verbose_name = "Clients and leads"

    def ready(self):
        from fitnesscrm.clients import counting

        counting.connect_signals()

        from django.db.models.signals import post_delete, post_save

        from fitnesscrm.clients.models import Tag
        from fitnesscrm.clients.selectors import tags_changed

        post_save.connect(tags_changed, sender=Tag, dispatch_uid="tag-choices-save")
        post_delete.connect(tags_changed, sender=Tag, dispatch_uid="tag-choices-delete")
