from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "fitnesscrm.clients"
    label = "clients"
    verbose_name = "Clients and leads"

    def ready(self):
        from fitnesscrm.clients import counting

        counting.connect_signals()
