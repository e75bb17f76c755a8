"""Staff privacy pages, at /privacy/."""

from django.urls import path

from fitnesscrm.privacy import views

app_name = "privacy"

urlpatterns = [
    path("requests/", views.requests_page, name="requests"),
    path("requests/<int:request_id>/close/", views.request_close, name="request-close"),
    path("clients/<int:client_id>/", views.client_privacy, name="client"),
    path("clients/<int:client_id>/consent/", views.consent_record, name="consent"),
    path("clients/<int:client_id>/export/", views.export_start, name="export"),
    path(
        "clients/<int:client_id>/exports/<int:export_id>/download/",
        views.export_download,
        name="export-download",
    ),
    path("clients/<int:client_id>/erase/", views.erase, name="erase"),
]
