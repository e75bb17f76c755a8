"""Trainer profiles: what a client and the schedule need to know about a member of staff."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

# A certification this close to its expiry date is flagged on the trainer and dashboard.
EXPIRY_WARNING_DAYS = 60

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1f8a70.")


class Specialization(models.Model):
    name = models.CharField("name", max_length=60, unique=True)

    class Meta:
        verbose_name = "specialization"
        verbose_name_plural = "specializations"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Trainer(models.Model):
    """The trainer profile of a staff account (any staff role may coach)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="user account",
        on_delete=models.PROTECT,
        related_name="trainer_profile",
    )
    bio = models.TextField("bio", max_length=4000, blank=True)
    specializations = models.ManyToManyField(
        Specialization, verbose_name="specializations", blank=True, related_name="trainers"
    )
    hourly_rate_minor = models.PositiveIntegerField(
        "hourly rate (minor units)", default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField("currency", max_length=3, default="GBP")
    colour = models.CharField(
        "calendar colour", max_length=7, default="#1f8a70", validators=[colour_validator]
    )
    is_active = models.BooleanField("active", default=True)
    # Copied from the user for search and sorting without a join.
    search_text = models.CharField(max_length=400, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "trainer"
        verbose_name_plural = "trainers"
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="trainer_colour_hex"
            ),
        ]
        # The trainer list shows active trainers by default.
        indexes = [models.Index(fields=["is_active"], name="trainer_active")]

    def __str__(self) -> str:
        return self.user.full_name or self.user.email

    @property
    def name(self) -> str:
        return str(self)


class Certification(models.Model):
    trainer = models.ForeignKey(
        Trainer, verbose_name="trainer", on_delete=models.CASCADE, related_name="certifications"
    )
    name = models.CharField("name", max_length=120)
    issuer = models.CharField("issuer", max_length=120, blank=True)
    issued_on = models.DateField("issued on", null=True, blank=True)
    expires_on = models.DateField("expires on", null=True, blank=True)

    class Meta:
        verbose_name = "certification"
        verbose_name_plural = "certifications"
        ordering = ["expires_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="certification_expires_after_issue",
            )
        ]
        # "Certifications expiring soon" on the dashboard.
        indexes = [models.Index(fields=["expires_on"], name="certification_expiry")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def is_expiring(self) -> bool:
        if self.expires_on is None or self.is_expired:
            return False
        return (self.expires_on - timezone.localdate()).days <= EXPIRY_WARNING_DAYS
