"""Calendar feeds: the public `.ics` address and the pages that show and rotate it."""

from django.urls import path

from fitnesscrm.scheduling import feed_views

app_name = "feeds"

urlpatterns = [
    path("<str:token>.ics", feed_views.feed, name="feed"),
    path("feeds/trainers/<int:trainer_id>/", feed_views.trainer_feed, name="trainer"),
    path(
        "feeds/trainers/<int:trainer_id>/rotate/",
        feed_views.trainer_feed_rotate,
        name="trainer-rotate",
    ),
    path("feeds/mine/", feed_views.portal_feed, name="portal"),
    path("feeds/mine/rotate/", feed_views.portal_feed_rotate, name="portal-rotate"),
]
