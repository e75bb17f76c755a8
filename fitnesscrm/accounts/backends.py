"""Sign-in by email, any case."""

from django.contrib.auth.backends import ModelBackend

from fitnesscrm.accounts.models import normalize_email


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        return super().authenticate(
            request, username=normalize_email(email or username or ""), password=password, **kwargs
        )
