"""The exercise library, mounted at /training/exercises/."""

from django.urls import path

from fitnesscrm.training.views import exercises as views

app_name = "exercises"

urlpatterns = [
    path("", views.exercise_list_page, name="list"),
    path("new/", views.exercise_create, name="create"),
    path("<int:exercise_id>/", views.exercise_detail, name="detail"),
    path("<int:exercise_id>/edit/", views.exercise_edit, name="edit"),
    path("<int:exercise_id>/image/", views.exercise_image, name="image"),
    path("<int:exercise_id>/archive/", views.exercise_archive, name="archive"),
    path("<int:exercise_id>/restore/", views.exercise_restore, name="restore"),
]
