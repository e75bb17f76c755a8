"""Staff pages of the schedule, mounted at /schedule/."""

from django.urls import path

from fitnesscrm.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("events", views.events, name="events"),
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:session_id>/", views.session_detail, name="session-detail"),
    path("sessions/<int:session_id>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:session_id>/move/", views.session_move, name="session-move"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session-cancel"),
    path("sessions/<int:session_id>/book/", views.booking_add, name="booking-add"),
    path("sessions/<int:session_id>/check-in/", views.check_in_all, name="check-in-all"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking-cancel"),
    path(
        "bookings/<int:booking_id>/attendance/",
        views.booking_attendance,
        name="booking-attendance",
    ),
    path("setup/locations/", views.setup_list("location"), name="setup-locations"),
    path(
        "setup/locations/<int:location_id>/",
        views.setup_edit("location"),
        name="setup-location",
    ),
    path(
        "setup/locations/<int:location_id>/active/",
        views.setup_active("location"),
        name="setup-location-active",
    ),
    path("setup/rooms/", views.setup_list("room"), name="setup-rooms"),
    path("setup/rooms/<int:room_id>/", views.setup_edit("room"), name="setup-room"),
    path(
        "setup/rooms/<int:room_id>/active/",
        views.setup_active("room"),
        name="setup-room-active",
    ),
    path("setup/class-types/", views.setup_list("class-type"), name="setup-class-types"),
    path(
        "setup/class-types/<int:class_type_id>/",
        views.setup_edit("class-type"),
        name="setup-class-type",
    ),
    path(
        "setup/class-types/<int:class_type_id>/active/",
        views.setup_active("class-type"),
        name="setup-class-type-active",
    ),
    path("setup/policy/", views.policy, name="policy"),
]
