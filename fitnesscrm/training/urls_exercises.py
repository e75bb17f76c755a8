"""The exercise library, mounted at /training/exercises/."""

from django.urls import path  # noqa: F401

app_name = "exercises"

urlpatterns = []
