"""Pages of trainers and staff accounts."""

from django.urls import path

from fitnesscrm.trainers import views

app_name = "trainers"

urlpatterns = [
    path("trainers/", views.trainer_list, name="list"),
    path("trainers/new/", views.trainer_create, name="create"),
    path("trainers/<int:trainer_id>/", views.trainer_detail, name="detail"),
    path("trainers/<int:trainer_id>/edit/", views.trainer_edit, name="edit"),
    path(
        "trainers/<int:trainer_id>/certifications/",
        views.certification_add,
        name="certification-add",
    ),
    path(
        "trainers/<int:trainer_id>/certifications/<int:cert_id>/delete/",
        views.certification_delete,
        name="certification-delete",
    ),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:user_id>/active/", views.staff_set_active, name="staff-active"),
    path("staff/<int:user_id>/invite/", views.staff_invite, name="staff-invite"),
]
