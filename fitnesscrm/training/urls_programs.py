"""Programs: library, builder, copies, templates and assignment; mounted at /training/programs/."""

from django.urls import path

from fitnesscrm.training.views import programs as views
from fitnesscrm.training.views import programs_builder as builder

app_name = "programs"

urlpatterns = [
    path("", views.library, name="list"),
    path("new/", views.create, name="create"),
    path("client/<int:client_id>/", views.client_programs, name="client"),
    path("<int:pk>/", builder.builder, name="builder"),
    path("<int:pk>/details/", builder.details, name="details"),
    path("<int:pk>/copy/", views.copy, name="copy"),
    path("<int:pk>/save-as-template/", views.save_as_template, name="save-as-template"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/weeks/add/", builder.week_add, name="week-add"),
    path("<int:pk>/weeks/<int:week_id>/copy/", builder.week_copy, name="week-copy"),
    path("<int:pk>/weeks/<int:week_id>/remove/", builder.week_remove, name="week-remove"),
    path("<int:pk>/weeks/<int:week_id>/days/add/", builder.day_add, name="day-add"),
    path("<int:pk>/days/<int:day_id>/", builder.day_update, name="day-update"),
    path("<int:pk>/days/<int:day_id>/remove/", builder.day_remove, name="day-remove"),
    path("<int:pk>/days/<int:day_id>/picker/", builder.picker, name="picker"),
    path("<int:pk>/days/<int:day_id>/exercises/add/", builder.exercise_add, name="exercise-add"),
    path("<int:pk>/days/<int:day_id>/order/", builder.exercise_reorder, name="reorder"),
    path("<int:pk>/exercises/<int:entry_id>/", builder.exercise_update, name="exercise-update"),
    path("<int:pk>/exercises/<int:entry_id>/move/", builder.exercise_move, name="exercise-move"),
    path(
        "<int:pk>/exercises/<int:entry_id>/remove/",
        builder.exercise_remove,
        name="exercise-remove",
    ),
    path("<int:pk>/exercises/<int:entry_id>/sets/add/", builder.set_add, name="set-add"),
    path("<int:pk>/sets/<int:set_id>/", builder.set_update, name="set-update"),
    path("<int:pk>/sets/<int:set_id>/remove/", builder.set_remove, name="set-remove"),
]
