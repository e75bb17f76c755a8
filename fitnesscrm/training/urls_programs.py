"""Programs: library, builder, copies, templates and assignment; mounted at /training/programs/."""

from django.urls import path  # noqa: F401

app_name = "programs"

urlpatterns = []
