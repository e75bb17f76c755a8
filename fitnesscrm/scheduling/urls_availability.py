"""Staff pages of availability, mounted at /availability/: working hours and time off."""

from django.urls import path

from fitnesscrm.scheduling import views_availability as views

app_name = "availability"

urlpatterns = [
    path("", views.availability_index, name="index"),
    path("<int:trainer_id>/", views.trainer_availability, name="trainer"),
    path("<int:trainer_id>/time-off/", views.time_off_add, name="time-off-add"),
    path(
        "<int:trainer_id>/time-off/<int:time_off_id>/remove/",
        views.time_off_remove,
        name="time-off-remove",
    ),
]
