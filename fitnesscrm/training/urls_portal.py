"""The client's programs and workout logging in the portal; mounted at /portal/training/."""

from django.urls import path

from fitnesscrm.training.views import portal_training as views

app_name = "portal-training"

urlpatterns = [
    path("", views.today, name="today"),
    path("programs/", views.programs, name="programs"),
    path("history/", views.history, name="history"),
    path("history/<int:log_id>/", views.log_detail, name="log"),
    path("history/<int:log_id>/delete/", views.log_delete, name="delete"),
    path("records/", views.records, name="records"),
]
