"""Progress photos: re-encoded images without metadata, served only through a permission check."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Pose(models.TextChoices):
    FRONT = "front", "Front"
    SIDE = "side", "Side"
    BACK = "back", "Back"


class ProgressPhoto(models.Model):
    client = models.ForeignKey(
        "clients.Client",
        verbose_name="client",
        on_delete=models.CASCADE,
        related_name="progress_photos",
    )
    taken_on = models.DateField("date")
    pose = models.CharField("pose", max_length=10, choices=Pose.choices)
    # A server-generated name under progress/photos/; never a name the uploader chose.
    image = models.ImageField("photo", upload_to="progress/photos/")
    width = models.PositiveIntegerField("width", default=0)
    height = models.PositiveIntegerField("height", default=0)
    size_bytes = models.PositiveIntegerField("size (bytes)", default=0)
    notes = models.CharField("notes", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="uploaded by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("uploaded", auto_now_add=True)

    class Meta:
        verbose_name = "progress photo"
        verbose_name_plural = "progress photos"
        ordering = ["-taken_on", "pose", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(pose__in=Pose.values), name="progress_photo_pose"),
        ]
        indexes = [
            # A client's photos by date (gallery, comparison of two dates).
            models.Index(fields=["client", "-taken_on"], name="progress_photo_client_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_pose_display()} photo of {self.taken_on}"
