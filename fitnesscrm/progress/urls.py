"""Measurements, goals, charts, consent and unit settings for staff; mounted at /progress/."""

from django.urls import path

from fitnesscrm.progress.views import staff

app_name = "progress"

urlpatterns = [
    path("client/<int:client_id>/", staff.client_progress, name="client"),
    path("client/<int:client_id>/measurements/new/", staff.measurement_add, name="measurement-add"),
    path(
        "measurements/<int:measurement_id>/edit/", staff.measurement_edit, name="measurement-edit"
    ),
    path(
        "measurements/<int:measurement_id>/delete/",
        staff.measurement_delete,
        name="measurement-delete",
    ),
    path("client/<int:client_id>/goals/new/", staff.goal_add, name="goal-add"),
    path("goals/<int:goal_id>/edit/", staff.goal_edit, name="goal-edit"),
    path("goals/<int:goal_id>/abandon/", staff.goal_abandon, name="goal-abandon"),
    path("client/<int:client_id>/consent/", staff.consent_grant, name="consent"),
    path(
        "client/<int:client_id>/consent/withdraw/",
        staff.consent_withdraw,
        name="consent-withdraw",
    ),
    path("settings/", staff.unit_settings, name="settings"),
]
