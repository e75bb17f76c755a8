from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "fitnesscrm.clients"
    label = "clients"
    verbose_name = "Clients and leads"

    def ready(self):
        from fitnesscrm.clients import counting, selectors
        from fitnesscrm.clients.models import Assignment, Client, Tag
        from fitnesscrm.core import generations

        # What a list's count depends on: clients, their tags, their trainers.
        generations.follow(counting.GENERATION, Client, Assignment, Tag, m2m=(Client.tags.through,))
        generations.follow(selectors.TAGS_GENERATION, Tag)
