"""Users (email as login, one role each) and their personal API keys."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from fitnesscrm.core.roles import HOME_URL_NAMES, STAFF_ROLES, Role


def normalize_email(email: str) -> str:
    """Emails are compared without case: stored lower-cased, so the unique index holds."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("role", Role.OWNER)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField("full name", max_length=150)
    role = models.CharField("role", max_length=20, choices=Role.choices, default=Role.CLIENT)
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive users cannot sign in or use API keys."
    )
    date_joined = models.DateTimeField("date joined", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["full_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(email=models.functions.Lower("email")),
                name="accounts_user_email_lowercase",
            ),
        ]
        indexes = [models.Index(fields=["role", "is_active"], name="user_role_active")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_staff(self) -> bool:
        """Django admin access: owners only (everyone else works in the app)."""
        return self.is_active and self.role == Role.OWNER

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def home_url_name(self) -> str:
        return HOME_URL_NAMES[Role(self.role)]

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def get_full_name(self) -> str:
        return self.full_name


class ApiKey(models.Model):
    """A personal API key: it acts as its user. Only a SHA-256 hash of the secret is kept."""

    user = models.ForeignKey(
        User, verbose_name="user", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField("name", max_length=100)
    # The public part of the key, shown in lists and used to find the row.
    prefix = models.CharField("prefix", max_length=16, unique=True)
    key_hash = models.CharField("key hash", max_length=64)
    created_at = models.DateTimeField("created", auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True)
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        ordering = ["-created_at"]
        # The key list of a user shows active keys first.
        indexes = [models.Index(fields=["user", "revoked_at"], name="apikey_user_revoked")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# A user's signed-in sessions (their own module, so that it can grow on its own).
from fitnesscrm.accounts.user_sessions import UserSession  # noqa: E402,F401
