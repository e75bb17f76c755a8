"""Workout logs, records and adherence for staff; mounted at /training/workouts/."""

from django.urls import path  # noqa: F401

app_name = "workouts"

urlpatterns = []
