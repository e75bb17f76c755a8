"""The client's programs and workout logging in the portal; mounted at /portal/training/."""

from django.urls import path  # noqa: F401

app_name = "portal-training"

urlpatterns = []
