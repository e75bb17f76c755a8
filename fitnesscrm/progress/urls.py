"""Measurements, goals, charts, consent and unit settings for staff; mounted at /progress/."""

from django.urls import path  # noqa: F401

app_name = "progress"

urlpatterns = []
