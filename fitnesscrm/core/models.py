"""Shared models: the audit log, and the answers to API requests sent with an Idempotency-Key."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One thing that changed data or exposed it: who, what, when, from where."""

    created_at = models.DateTimeField("time", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="actor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so the entry still says who it was after the user is erased or renamed.
    actor_label = models.CharField("actor", max_length=254, blank=True)
    action = models.CharField("action", max_length=64)
    object_type = models.CharField("object type", max_length=64, blank=True)
    object_id = models.CharField("object id", max_length=64, blank=True)
    object_label = models.CharField("object", max_length=200, blank=True)
    changes = models.JSONField("changed fields", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    request_id = models.CharField("request id", max_length=64, blank=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The audit page filters by action or by actor, newest first.
            models.Index(fields=["action", "-created_at"], name="audit_action_time"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
            # "Everything that happened to this record".
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"


class IdempotentRequest(models.Model):
    """The first answer to a request sent with an Idempotency-Key, returned again for repeats."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="user", on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField("operation", max_length=64)
    key = models.CharField("key", max_length=255)
    request_hash = models.CharField("request hash", max_length=64)
    status_code = models.PositiveSmallIntegerField("status code", null=True, blank=True)
    response = models.JSONField("response", null=True, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "idempotent request"
        verbose_name_plural = "idempotent requests"
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique")
        ]
        # Old keys are deleted by a periodic job.
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
