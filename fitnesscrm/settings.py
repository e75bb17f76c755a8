"""FitnessCRM settings: one module, every knob read from the environment."""

import ipaddress
import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


TESTING = "pytest" in sys.modules


def _load_dotenv() -> None:
    """Read `.env` in the project directory, never overriding the real environment.

    Tests ignore it, so that a developer's local settings cannot change their outcome.
    """
    if TESTING:
        return
    path = Path(os.environ.get("ENV_FILE", PROJECT_DIR / ".env"))
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


_load_dotenv()


def refuse(message: str) -> None:
    """Stop start-up with one line that names what is wrong."""
    sys.exit(f"FitnessCRM refuses to start: {message}")


def env_str(name: str, default: str = "") -> str:
    """A string; `NAME_FILE` (a path, as Docker secrets use) wins over `NAME`."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            refuse(f"{name}_FILE points to {file_path!r}, which cannot be read ({exc.strerror}).")
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    refuse(f"{name} must be true or false, not {value!r}.")
    return default  # unreachable: refuse() exits


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        refuse(f"{name} must be a whole number, not {value!r}.")
        return default


def env_fraction(name: str, default: float) -> float:
    """A number from 0 to 1 (a sampling rate)."""
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        refuse(f"{name} must be a number from 0 to 1, not {value!r}.")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105 - DEBUG or tests only  # nosec B105
    else:
        refuse("SECRET_KEY is not set (it is required when DEBUG is off).")
# Earlier keys, still accepted for signatures made before a rotation (sessions, password
# reset links): comma-separated, newest first; drop them once they are no longer needed.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if DEBUG or TESTING:
        ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    else:
        refuse("ALLOWED_HOSTS is not set (it is required when DEBUG is off).")

# Origins trusted for CSRF behind a proxy, e.g. https://crm.example.com
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Where the SQLite database, uploaded media and local backups live by default.
DATA_DIR = Path(env_str("DATA_DIR", str(PROJECT_DIR / "var")))

SITE_NAME = env_str("SITE_NAME", "FitnessCRM")
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# The business's country (ISO 3166 code): phone numbers without a country code are read in it.
PHONE_REGION = env_str("PHONE_REGION", "GB").upper()
# The currency of prices and rates (ISO 4217).
CURRENCY = env_str("CURRENCY", "GBP").upper()
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en-us")
USE_I18N = True
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "ninja",
    "django_tasks_db",
    "fitnesscrm.core",
    "fitnesscrm.accounts",
    "fitnesscrm.trainers",
    "fitnesscrm.clients",
    "fitnesscrm.scheduling",
    "fitnesscrm.billing",
    "fitnesscrm.training",
    "fitnesscrm.progress",
    "fitnesscrm.privacy",
    "fitnesscrm.analytics",
    "fitnesscrm.ops",
]

MIDDLEWARE = [
    "fitnesscrm.core.middleware.RequestContextMiddleware",
    "fitnesscrm.core.security_headers.SecurityHeadersMiddleware",
    "fitnesscrm.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fitnesscrm.core.middleware.ApiErrorMiddleware",
    "fitnesscrm.core.middleware.QueryTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fitnesscrm.accounts.middleware.TwoFactorEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fitnesscrm.accounts.session_tracking.SessionActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "fitnesscrm.urls"
WSGI_APPLICATION = "fitnesscrm.wsgi.application"
ASGI_APPLICATION = "fitnesscrm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "fitnesscrm.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # psycopg 3 connection pool; Django needs CONN_MAX_AGE 0 with a pool. Added to
        # the options from the URL's query string (sslmode=require and the like).
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "fitnesscrm.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE
                # takes the write lock at BEGIN so writers queue instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "fitnesscrm"),
            # A Redis that stops answering must fail requests fast, not hang them.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Reads cached until what they read changes (core/generations.py: list counts, trainer
# choices) need a cache that every process shares, so only with Redis.
SHARED_CACHE = bool(REDIS_URL)
# Sessions are rows in the database (a user's sessions can be listed and ended); with a
# shared cache, requests read them from the cache first and spare a query each.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

# --- Background tasks -----------------------------------------------------------

# A database-backed queue: a task enqueued in a transaction is a row written in
# that transaction, so it is lost with a rollback and kept with a commit.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email"],
    }
}

# --- Accounts -------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["fitnesscrm.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 60 * 60)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 to 128 characters for staff, 8 to 128 for clients; no composition rules.
    {
        "NAME": "fitnesscrm.accounts.passwords.RolePasswordValidator",
        "OPTIONS": {"staff_min_length": 12, "client_min_length": 8, "max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not mostly words about the business (accounts/passwords.py lists them).
    {"NAME": "fitnesscrm.accounts.passwords.ContextWordsValidator"},
]
# More words a password may not be made of: the studio's nickname, its street, …
PASSWORD_CONTEXT_WORDS = env_list("PASSWORD_CONTEXT_WORDS")

# Sign-in protection (accounts/throttle.py): after LOGIN_ACCOUNT_FAILURE_LIMIT failures for
# one email, or LOGIN_IP_FAILURE_LIMIT from one address, within LOGIN_FAILURE_WINDOW_SECONDS,
# sign-in is refused for LOGIN_LOCKOUT_SECONDS.
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 5)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 20)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# How long the second step of a sign-in (the authenticator code) may take.
TWO_FACTOR_LOGIN_TIMEOUT = env_int("TWO_FACTOR_LOGIN_TIMEOUT", 5 * 60)
# Ending another session needs a password typed this recently (accounts/reauth.py).
REAUTH_WINDOW_SECONDS = 10 * 60

# --- Email ----------------------------------------------------------------------

# SMTP when EMAIL_HOST is set; otherwise emails are printed to the console (demo).
_email_host = env_str("EMAIL_HOST")
_email_port = env_int("EMAIL_PORT", 587)
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": _email_port,
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", _email_port == 587),
                "use_ssl": env_bool("EMAIL_USE_SSL", _email_port == 465),
                "timeout": env_int("EMAIL_TIMEOUT", 20),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Card payments (Stripe) ---------------------------------------------------------

# Empty: card payments are off and clients pay at the desk. A restricted or secret key.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
# The signing secret of the webhook endpoint (/billing/stripe/webhook) in Stripe's dashboard.
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Empty: Stripe's own API. The test suite points it at a local stand-in.
STRIPE_API_BASE = env_str("STRIPE_API_BASE")

# --- Static files and media ---------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names so static files can be cached for a year.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Progress photos in a private S3 bucket (any S3-compatible service); empty: local disk
# under MEDIA_ROOT. Either way they are served only through the app's permission check.
S3_BUCKET = env_str("S3_BUCKET")
if S3_BUCKET:
    STORAGES["progress_photos"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            # Never linked to directly: the app streams each file after its check.
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }

# The largest request body accepted anywhere (uploads included): 10 MB.
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Days a client import's uploaded file, first rows and row problems are kept after it
# ended or was left unfinished (`fitnesscrm imports_cleanup` deletes them).
CLIENT_IMPORT_RETENTION_DAYS = env_int("CLIENT_IMPORT_RETENTION_DAYS", 7)
# Privacy (fitnesscrm/privacy): days a client's data export stays downloadable; days
# without activity after which a lead is erased; days audit entries are kept (6 years).
PRIVACY_EXPORT_DAYS = env_int("PRIVACY_EXPORT_DAYS", 7)
PRIVACY_LEAD_RETENTION_DAYS = env_int("PRIVACY_LEAD_RETENTION_DAYS", 730)
PRIVACY_AUDIT_RETENTION_DAYS = env_int("PRIVACY_AUDIT_RETENTION_DAYS", 2190)

# --- Security -------------------------------------------------------------------------

# HTTPS: true behind TLS (the production default). The demo on http://127.0.0.1
# turns it off so that cookies work without TLS.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The longest a sign-in lasts, however active (enforced from the sign-in time).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
# A session with no request for this long ends: shorter for staff, who see everyone's
# records, than for clients, who see their own (accounts/session_tracking.py).
SESSION_IDLE_TIMEOUT_STAFF = env_int("SESSION_IDLE_TIMEOUT_STAFF", 60 * 60)
SESSION_IDLE_TIMEOUT_CLIENT = env_int("SESSION_IDLE_TIMEOUT_CLIENT", 8 * 60 * 60)
# Over HTTPS the cookies carry the __Host- prefix: browsers then accept them only with
# Secure, Path=/ and no Domain, so no other host or plain-HTTP page can set them.
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
MESSAGES_COOKIE_NAME = "__Host-messages" if HTTPS else "messages"
MESSAGE_STORAGE = "fitnesscrm.core.messages.MessageStorage"
# Which accounts have signed in from this browser (accounts/security_notices.py).
KNOWN_BROWSER_COOKIE_NAME = "__Host-browser" if HTTPS else "browser"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_REDIRECT_EXEMPT = [r"^health/"]
# nginx sets X-Forwarded-Proto; trust it only when a proxy is in front.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# Browser features the app never uses, turned off for its pages and anything they embed
# (core/security_headers.py).
SECURE_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
X_FRAME_OPTIONS = "DENY"

# Warnings of `fitnesscrm check --deploy` silenced on purpose, each with its reason; any
# other warning fails tests/core/test_env_production.py.
DEPLOY_CHECKS_SILENCED = {
    "security.W005": "HSTS for every subdomain is the owner's choice for their own domain.",
    "security.W021": "The browsers' HSTS preload list is the owner's choice for their domain.",
}
if BEHIND_PROXY and not SECURE_SSL_REDIRECT:
    DEPLOY_CHECKS_SILENCED["security.W008"] = (
        "nginx redirects HTTP to HTTPS; the app's plain-HTTP port serves only the proxy "
        "and the health probes, which a redirect would break."
    )
SILENCED_SYSTEM_CHECKS = list(DEPLOY_CHECKS_SILENCED)
CSRF_FAILURE_VIEW = "fitnesscrm.core.views.csrf_failure"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- API ------------------------------------------------------------------------------

NINJA_PAGINATION_MAX_LIMIT = 100
# How often a key's last-used time is written, at most (seconds).
API_KEY_LAST_USED_RESOLUTION = env_int("API_KEY_LAST_USED_RESOLUTION", 60)
# The longest a new API key may be valid for (days); keys may also never expire.
API_KEY_MAX_LIFETIME_DAYS = env_int("API_KEY_MAX_LIFETIME_DAYS", 365)

# --- Rate limits ------------------------------------------------------------------------

# Counted in the cache (shared by every process when REDIS_URL is set; nginx has its own
# limits in front). Each is "<count>/<period>": 5/hour, 600/minute, 100/10s.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
# API requests per API key (and per user signed in with a session).
RATE_LIMIT_API_KEY = env_str("RATE_LIMIT_API_KEY", "600/minute")
# API requests per client address without valid credentials.
RATE_LIMIT_API_ANONYMOUS_IP = env_str("RATE_LIMIT_API_ANONYMOUS_IP", "300/minute")
# Password reset requests per client address and per email address asked for.
RATE_LIMIT_PASSWORD_RESET_IP = env_str("RATE_LIMIT_PASSWORD_RESET_IP", "5/hour")
RATE_LIMIT_PASSWORD_RESET_EMAIL = env_str("RATE_LIMIT_PASSWORD_RESET_EMAIL", "3/hour")
# Bookings made (pages and API) per account and per client address.
RATE_LIMIT_BOOKING_ACCOUNT = env_str("RATE_LIMIT_BOOKING_ACCOUNT", "30/minute")
RATE_LIMIT_BOOKING_IP = env_str("RATE_LIMIT_BOOKING_IP", "60/minute")
_RATE_FORMAT = r"\s*[1-9]\d*\s*/\s*\d*\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*"
for _name in (
    "RATE_LIMIT_API_KEY",
    "RATE_LIMIT_API_ANONYMOUS_IP",
    "RATE_LIMIT_PASSWORD_RESET_IP",
    "RATE_LIMIT_PASSWORD_RESET_EMAIL",
    "RATE_LIMIT_BOOKING_ACCOUNT",
    "RATE_LIMIT_BOOKING_IP",
):
    if not re.fullmatch(_RATE_FORMAT, globals()[_name].lower()):
        refuse(f"{_name} must be a rate like 5/hour or 600/minute, not {globals()[_name]!r}.")

# --- Logging --------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "fitnesscrm.core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "fitnesscrm.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": env_str("LOG_FORMAT", "plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.tasks": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- Backups ------------------------------------------------------------------------

# `fitnesscrm backup` / `fitnesscrm restore` (docs/DISASTER_RECOVERY.md). Each backup set
# is one file in BACKUP_DIR: the database dump, the uploaded media and a manifest.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(DATA_DIR / "backups")))
# A copy of each set goes to this S3-compatible bucket as well; empty: local copies only.
BACKUP_S3_BUCKET = env_str("BACKUP_S3_BUCKET")
BACKUP_S3_PREFIX = env_str("BACKUP_S3_PREFIX", "backups/")
BACKUP_S3_ENDPOINT_URL = env_str("BACKUP_S3_ENDPOINT_URL")
BACKUP_S3_REGION = env_str("BACKUP_S3_REGION")
BACKUP_S3_ACCESS_KEY_ID = env_str("BACKUP_S3_ACCESS_KEY_ID")
BACKUP_S3_SECRET_ACCESS_KEY = env_str("BACKUP_S3_SECRET_ACCESS_KEY")
# Retention, locally and in the bucket: the newest set of each of the last N days,
# weeks and months that have one.
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12)
# On a failed backup or restore: a command run with the message as its last argument,
# and/or a URL that receives the message POSTed as JSON.
BACKUP_ALERT_COMMAND = env_str("BACKUP_ALERT_COMMAND")
BACKUP_ALERT_URL = env_str("BACKUP_ALERT_URL")

# --- Monitoring -----------------------------------------------------------------------

# /metrics (Prometheus): a scrape sends `Authorization: Bearer <METRICS_TOKEN>` or comes
# from one of these addresses or networks.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        refuse(f"METRICS_ALLOWED_IPS: {_network!r} is not an address or network like 10.0.0.0/8.")
# Error reports (fitnesscrm/ops/monitoring.py says what they leave out).
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = env_fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if SENTRY_DSN:
    from fitnesscrm.ops.monitoring import configure_sentry

    configure_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )

FORM_RENDERER = "fitnesscrm.core.forms_rendering.FormRenderer"
