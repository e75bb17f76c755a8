from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fitnesscrm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from fitnesscrm.accounts import signals  # noqa: F401 - connects the login audit
