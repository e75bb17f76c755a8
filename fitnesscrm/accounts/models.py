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
    # What the key may do: "<area>:read" or "<area>:write" (fitnesscrm/core/api_auth.py).
    # Only ever narrower than the user's role; empty, it can do nothing.
    # The database default (no scope) covers keys the release before this one creates
    # during a rolling deploy: they reach nothing until remade.
    scopes = models.JSONField(
        "scopes", default=list, db_default=models.Value([], models.JSONField()), blank=True
    )
    # After this moment the key is refused; empty: it never expires.
    expires_at = models.DateTimeField("expires", null=True, blank=True)

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

    @property
    def access(self) -> list[tuple[str, str]]:
        """(area, "read" or "read and write") for each area of the API the key reaches."""
        levels: dict[str, str] = {}
        for scope in self.scopes or ():
            area, _, level = scope.partition(":")
            if level == "write" or area not in levels:
                levels[area] = "read and write" if level == "write" else "read"
        return list(levels.items())

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class TwoFactorPolicy(models.TextChoices):
    OPTIONAL = "optional", "Optional for everyone"
    MANAGEMENT = "management", "Required for owners and managers"
    STAFF = "staff", "Required for all staff"


class SecuritySettings(models.Model):
    """The owner's sign-in policy: one row (pk 1), created with its defaults when first read."""

    two_factor_policy = models.CharField(
        "two-factor authentication",
        max_length=20,
        choices=TwoFactorPolicy.choices,
        default=TwoFactorPolicy.OPTIONAL,
        help_text="Who must use an authenticator app code when signing in.",
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "security settings"
        verbose_name_plural = "security settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(two_factor_policy__in=TwoFactorPolicy.values),
                name="accounts_securitysettings_policy_valid",
            ),
        ]

    def __str__(self) -> str:
        return "Security settings"

    @classmethod
    def load(cls) -> "SecuritySettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row

    def covered_roles(self) -> tuple[str, ...]:
        """The roles the policy makes use 2FA."""
        if self.two_factor_policy == TwoFactorPolicy.STAFF:
            return tuple(STAFF_ROLES)
        if self.two_factor_policy == TwoFactorPolicy.MANAGEMENT:
            return (Role.OWNER, Role.MANAGER)
        return ()

    def requires_two_factor(self, user) -> bool:
        return user.role in self.covered_roles()


class TOTPDevice(models.Model):
    """A user's authenticator app (RFC 6238). The secret is kept encrypted (accounts/crypto.py).

    A device is in use once confirmed with a first code; `last_step` is the time step of
    the last code accepted, so no code is accepted twice.
    """

    user = models.OneToOneField(
        User, verbose_name="user", on_delete=models.CASCADE, related_name="totp_device"
    )
    encrypted_secret = models.TextField("encrypted secret", editable=False)
    confirmed_at = models.DateTimeField("confirmed", null=True, blank=True)
    last_step = models.BigIntegerField("last time step used", default=0)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "authenticator app"
        verbose_name_plural = "authenticator apps"

    def __str__(self) -> str:
        return f"Authenticator app of {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use code for signing in without the authenticator app; only its HMAC is kept."""

    user = models.ForeignKey(
        User, verbose_name="user", on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField("code hash", max_length=64, editable=False)
    created_at = models.DateTimeField("created", auto_now_add=True)
    used_at = models.DateTimeField("used", null=True, blank=True)

    class Meta:
        verbose_name = "recovery code"
        verbose_name_plural = "recovery codes"
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recoverycode_user_hash")
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class ThrottleScope(models.TextChoices):
    ACCOUNT = "account", "Account (email)"
    IP = "ip", "Client address"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per email typed (known or not) and per client address.

    One row per key: the count of failures since `window_started_at`, and the time
    until which sign-in is refused. Kept in the database so that every app process
    sees the same lock.
    """

    scope = models.CharField("scope", max_length=10, choices=ThrottleScope.choices)
    key = models.CharField("key", max_length=254)
    failures = models.PositiveIntegerField("failures", default=0)
    window_started_at = models.DateTimeField("window started", default=timezone.now)
    locked_until = models.DateTimeField("locked until", null=True, blank=True)

    class Meta:
        verbose_name = "login throttle"
        verbose_name_plural = "login throttles"
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="loginthrottle_scope_key"),
            models.CheckConstraint(
                condition=models.Q(scope__in=ThrottleScope.values),
                name="accounts_loginthrottle_scope_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


# A user's signed-in sessions (their own module, so that it can grow on its own).
from fitnesscrm.accounts.user_sessions import UserSession  # noqa: E402,F401
