"""The client's schedule in the portal, mounted at /portal/schedule/."""

from django.urls import path

from fitnesscrm.scheduling import views_portal as views

app_name = "portal-schedule"

urlpatterns = [
    path("", views.timetable, name="timetable"),
    path("book/", views.class_book, name="book"),
    path("bookings/", views.my_bookings, name="bookings"),
    path("bookings/cancel/", views.booking_cancel, name="cancel"),
    path("trainer/", views.trainer_slots, name="trainer"),
    path("trainer/book/", views.trainer_book, name="trainer-book"),
]
