"""Settings come from the environment; without the required ones the app refuses to start.

Each case starts a fresh Python with a clean environment (no DEBUG, and
ENV_FILE=/dev/null so that no .env file is read), because settings are read
once per process. None of them needs a database or a cache server to be up.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "crm.example.com",
}

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DATABASE": s.DATABASES["default"],
    "CACHE": s.CACHES["default"],
    "MAILER": s.MAILERS["default"],
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "SECURE_PROXY_SSL_HEADER": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
}, default=str))
"""


def run_python(tmp_path, code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "ENV_FILE": "/dev/null",
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fitnesscrm.settings",
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def resolved_settings(tmp_path, **env: str) -> dict:
    result = run_python(tmp_path, PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_refused(result: subprocess.CompletedProcess, name: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[-1].startswith("FitnessCRM refuses to start:")
    assert name in lines[-1]


def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_python(tmp_path, PRINT_SETTINGS, ALLOWED_HOSTS="crm.example.com")
    assert_refused(result, "SECRET_KEY")


def test_it_refuses_to_start_without_allowed_hosts(tmp_path):
    result = run_python(tmp_path, PRINT_SETTINGS, SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert_refused(result, "ALLOWED_HOSTS")


def test_manage_py_refuses_to_start_with_nothing_set(tmp_path):
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(PROJECT_DIR / "manage.py"), "check"],
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "ENV_FILE": "/dev/null",
            "DATA_DIR": str(tmp_path / "data"),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_refused(result, "SECRET_KEY")


def test_it_starts_with_a_secret_key_and_allowed_hosts(tmp_path):
    resolved = resolved_settings(tmp_path, **PRODUCTION)
    assert resolved["DEBUG"] is False
    assert resolved["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert resolved["ALLOWED_HOSTS"] == ["crm.example.com"]
    assert resolved["SESSION_COOKIE_SECURE"] is True
    assert resolved["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert resolved["DATABASE"]["NAME"] == str(tmp_path / "data" / "fitnesscrm.sqlite3")
    assert resolved["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_production_environment_passes_djangos_deployment_checks(tmp_path):
    code = "import django; django.setup(); from django.core.management import call_command; "
    code += "call_command('check', deploy=True, fail_level='ERROR')"
    result = run_python(tmp_path, code, EMAIL_HOST="smtp.example.com", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_debug_on_starts_without_a_secret_key_or_allowed_hosts(tmp_path):
    resolved = resolved_settings(tmp_path, DEBUG="true")
    assert resolved["DEBUG"] is True
    assert resolved["SECRET_KEY"]
    assert "127.0.0.1" in resolved["ALLOWED_HOSTS"]
    assert resolved["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_debug_value_that_is_not_a_boolean_is_refused(tmp_path, value):
    result = run_python(tmp_path, PRINT_SETTINGS, DEBUG=value, **PRODUCTION)
    assert_refused(result, "DEBUG")
    assert repr(value) in result.stderr


def test_a_number_setting_that_is_not_a_number_is_refused(tmp_path):
    result = run_python(tmp_path, PRINT_SETTINGS, SESSION_COOKIE_AGE="12h", **PRODUCTION)
    assert_refused(result, "SESSION_COOKIE_AGE")


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text("secret-from-a-docker-secret-file\n")
    resolved = resolved_settings(
        tmp_path, SECRET_KEY_FILE=str(secret_file), ALLOWED_HOSTS="crm.example.com"
    )
    assert resolved["SECRET_KEY"] == "secret-from-a-docker-secret-file"


def test_a_secret_key_file_that_cannot_be_read_is_refused(tmp_path):
    result = run_python(
        tmp_path,
        PRINT_SETTINGS,
        SECRET_KEY_FILE=str(tmp_path / "missing"),
        ALLOWED_HOSTS="crm.example.com",
    )
    assert_refused(result, "SECRET_KEY_FILE")


def test_a_dotenv_file_fills_in_what_the_environment_does_not_set(tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text(
        f"# comment\nSECRET_KEY='{PRODUCTION['SECRET_KEY']}'\nALLOWED_HOSTS=from-file.example\n"
    )
    resolved = resolved_settings(
        tmp_path, ENV_FILE=str(env_file), ALLOWED_HOSTS="from-environment.example"
    )
    assert resolved["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert resolved["ALLOWED_HOSTS"] == ["from-environment.example"]


def test_a_postgres_database_url_selects_postgresql_with_a_connection_pool(tmp_path):
    resolved = resolved_settings(
        tmp_path,
        DATABASE_URL="postgres://crm:pw@db.example.com:5433/fitnesscrm",
        **PRODUCTION,
    )
    database = resolved["DATABASE"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "db.example.com",
        5433,
        "fitnesscrm",
        "crm",
    )
    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10}
    # A pool replaces persistent connections; Django refuses both at once.
    assert database["CONN_MAX_AGE"] == 0


def test_the_pool_size_comes_from_the_environment(tmp_path):
    resolved = resolved_settings(
        tmp_path,
        DATABASE_URL="postgres://crm@db.example.com/fitnesscrm",
        DATABASE_POOL_MIN="1",
        DATABASE_POOL_MAX="4",
        **PRODUCTION,
    )
    pool = resolved["DATABASE"]["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == (1, 4)


def test_options_in_the_database_url_are_kept_beside_the_pool(tmp_path):
    resolved = resolved_settings(
        tmp_path,
        DATABASE_URL="postgres://crm@db.example.com/fitnesscrm?sslmode=require",
        **PRODUCTION,
    )
    options = resolved["DATABASE"]["OPTIONS"]
    assert options["sslmode"] == "require"
    assert "pool" in options


def test_a_redis_url_selects_the_redis_cache(tmp_path):
    resolved = resolved_settings(
        tmp_path, REDIS_URL="redis://cache.example.com:6379/2", **PRODUCTION
    )
    assert resolved["CACHE"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert resolved["CACHE"]["LOCATION"] == "redis://cache.example.com:6379/2"


def test_an_email_host_selects_smtp_and_its_absence_the_console(tmp_path):
    smtp = resolved_settings(tmp_path, EMAIL_HOST="smtp.example.com", **PRODUCTION)["MAILER"]
    assert smtp["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert smtp["OPTIONS"]["host"] == "smtp.example.com"
    assert (smtp["OPTIONS"]["port"], smtp["OPTIONS"]["use_tls"]) == (587, True)
    console = resolved_settings(tmp_path, **PRODUCTION)["MAILER"]
    assert console["BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_behind_a_proxy_the_forwarded_protocol_is_trusted(tmp_path):
    assert resolved_settings(tmp_path, **PRODUCTION)["SECURE_PROXY_SSL_HEADER"] is None
    resolved = resolved_settings(tmp_path, BEHIND_PROXY="true", **PRODUCTION)
    assert resolved["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
