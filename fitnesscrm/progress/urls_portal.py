"""The client's own measurements, goals, charts and photos; at /portal/progress/."""

from django.urls import path  # noqa: F401

app_name = "portal-progress"

urlpatterns = []
