"""A user's signed-in sessions: one row per session, so each can be listed and ended.

Django's session store (database rows, or Redis in front of them) does not say whose a
session is; this table does. A row is written at sign-in, kept up to date by
`session_tracking.SessionActivityMiddleware`, and deleted when its session ends.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class UserSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
    )
    # The key of the session in Django's session store (the value of the session cookie):
    # never shown, never put in a URL; pages name a session by this row's id.
    session_key = models.CharField("session key", max_length=40, unique=True)
    signed_in_at = models.DateTimeField("signed in", default=timezone.now)
    last_activity_at = models.DateTimeField("last activity", default=timezone.now)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField("user agent", max_length=300, blank=True)

    class Meta:
        verbose_name = "signed-in session"
        verbose_name_plural = "signed-in sessions"
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["user", "-last_activity_at"], name="usersession_user_recent")
        ]

    def __str__(self) -> str:
        return f"{self.user} since {self.signed_in_at:%Y-%m-%d %H:%M}"
