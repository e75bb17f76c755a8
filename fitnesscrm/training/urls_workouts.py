"""Workout logs, records and adherence for staff; mounted at /training/workouts/."""

from django.urls import path

from fitnesscrm.training.views import workouts as views

app_name = "workouts"

urlpatterns = [
    path("client/<int:client_id>/", views.client_logs, name="client"),
    path("client/<int:client_id>/new/", views.log_new, name="new"),
    path("<int:log_id>/", views.log_detail, name="detail"),
    path("<int:log_id>/edit/", views.log_edit, name="edit"),
    path("<int:log_id>/delete/", views.log_delete, name="delete"),
    path("adherence/", views.adherence_overview, name="adherence"),
    path("extra-set/", views.extra_set, name="extra-set"),
]
