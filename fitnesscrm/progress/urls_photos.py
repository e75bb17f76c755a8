"""Progress photos: upload, permission-checked files, comparison; at /progress/photos/."""

from django.urls import path

from fitnesscrm.progress.views import photos as views

app_name = "photos"

urlpatterns = [
    path("client/<int:client_id>/", views.gallery, name="gallery"),
    path("client/<int:client_id>/upload/", views.upload, name="upload"),
    path("client/<int:client_id>/compare/", views.compare, name="compare"),
    path("mine/", views.mine, name="mine"),
    path("mine/upload/", views.mine_upload, name="mine-upload"),
    path("mine/compare/", views.mine_compare, name="mine-compare"),
    path("<int:photo_id>/file/", views.photo_file, name="file"),
    path("<int:photo_id>/thumbnail/", views.photo_thumbnail, name="thumbnail"),
    path("<int:photo_id>/delete/", views.photo_delete, name="delete"),
]
