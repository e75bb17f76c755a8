"""The client's own privacy page, at /portal/privacy/."""

from django.urls import path

from fitnesscrm.privacy import views

app_name = "portal-privacy"

urlpatterns = [
    path("", views.portal_index, name="index"),
    path("export/", views.portal_export, name="export"),
    path("exports/<int:export_id>/download/", views.portal_download, name="export-download"),
    path("request/", views.portal_request, name="request"),
]
