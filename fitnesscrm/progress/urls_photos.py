"""Progress photos: upload, permission-checked files, comparison; at /progress/photos/."""

from django.urls import path  # noqa: F401

app_name = "photos"

urlpatterns = []
