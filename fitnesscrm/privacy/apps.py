from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "fitnesscrm.privacy"
    label = "privacy"
    verbose_name = "Privacy (GDPR)"
