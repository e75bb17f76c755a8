"""Pages of this app (filled in as they are built)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
