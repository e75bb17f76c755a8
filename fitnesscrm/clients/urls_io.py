"""CSV export and import of clients, mounted at /clients/."""

from django.urls import path

from fitnesscrm.clients import views_io

app_name = "clients-io"

urlpatterns = [
    path("export.csv", views_io.export_csv, name="export"),
    path("import/", views_io.import_start, name="import"),
    path("import/<int:import_id>/", views_io.import_detail, name="import-detail"),
    path("import/<int:import_id>/mapping/", views_io.import_mapping, name="import-mapping"),
    path("import/<int:import_id>/progress/", views_io.import_progress, name="import-progress"),
    path("import/<int:import_id>/commit/", views_io.import_commit, name="import-commit"),
    path("import/<int:import_id>/cancel/", views_io.import_cancel, name="import-cancel"),
    path("import/<int:import_id>/errors.csv", views_io.import_errors_csv, name="import-errors"),
]
