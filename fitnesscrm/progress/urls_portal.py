"""The client's own measurements, goals, charts and photos; at /portal/progress/."""

from django.urls import path

from fitnesscrm.progress.views import portal

app_name = "portal-progress"

urlpatterns = [
    path("", portal.index, name="index"),
    path("consent/", portal.consent_page, name="consent"),
    path("measurements/new/", portal.measurement_add, name="measurement-add"),
    path(
        "measurements/<int:measurement_id>/edit/",
        portal.measurement_edit,
        name="measurement-edit",
    ),
    path(
        "measurements/<int:measurement_id>/delete/",
        portal.measurement_delete,
        name="measurement-delete",
    ),
    path("goals/new/", portal.goal_add, name="goal-add"),
    path("goals/<int:goal_id>/edit/", portal.goal_edit, name="goal-edit"),
    path("goals/<int:goal_id>/abandon/", portal.goal_abandon, name="goal-abandon"),
]
