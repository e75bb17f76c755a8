"""Client pages, mounted at the site root: clients, leads, tasks and the portal profile."""

from django.urls import path

from fitnesscrm.clients import views

app_name = "clients"

urlpatterns = [
    path("clients/", views.client_list, name="list"),
    path("clients/bulk/", views.client_bulk, name="bulk"),
    path("clients/new/", views.client_create, name="create"),
    path("clients/<int:client_id>/", views.client_detail, name="detail"),
    path("clients/<int:client_id>/edit/", views.client_edit, name="edit"),
    path("clients/<int:client_id>/archive/", views.client_archive, name="archive"),
    path("clients/<int:client_id>/restore/", views.client_restore, name="restore"),
    path("clients/<int:client_id>/notes/", views.note_add, name="note-add"),
    path("clients/<int:client_id>/notes/<int:entry_id>/pin/", views.note_pin, name="note-pin"),
    path("clients/<int:client_id>/status/", views.status_change, name="status"),
    path("clients/<int:client_id>/stage/", views.stage_change, name="stage"),
    path("clients/<int:client_id>/assignments/", views.assignment_add, name="assign"),
    path(
        "clients/<int:client_id>/assignments/<int:assignment_id>/end/",
        views.assignment_end,
        name="assignment-end",
    ),
    path("clients/<int:client_id>/tasks/", views.task_add, name="task-add"),
    path("clients/<int:client_id>/merge/", views.client_merge, name="merge"),
    path("clients/<int:client_id>/invite/", views.client_invite, name="invite"),
    path("clients/<int:client_id>/photo/", views.client_photo, name="photo"),
    path("leads/", views.lead_board, name="leads"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task-done"),
    path("portal/profile/", views.portal_profile, name="portal-profile"),
]
