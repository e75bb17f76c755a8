"""The small world every test can use: one user per role, plus an outsider."""

import pytest
from django.test import Client

from fitnesscrm.core.roles import Role
from tests.factories import PASSWORD, UserFactory

# Chromium fixtures (browser, new_page, page, sign_in, …) for any module's browser tests.
pytest_plugins = ["tests.browser_fixtures"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is slow by design; tests hash many passwords, so they use a fast hasher.

    tests/accounts/test_passwords.py checks that the real settings hash with Argon2.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def compute_every_time(settings):
    """Counts and choices are read on each request here, as without Redis.

    Their cache is dropped after a commit (core/generations.py), and a test's writes
    are never committed; tests/clients/test_counting.py and tests/core/test_generations.py
    commit for real to test it.
    """
    settings.SHARED_CACHE = False


RATE_LIMIT_SETTINGS = (
    "RATE_LIMIT_API_KEY",
    "RATE_LIMIT_API_ANONYMOUS_IP",
    "RATE_LIMIT_PASSWORD_RESET_IP",
    "RATE_LIMIT_PASSWORD_RESET_EMAIL",
    "RATE_LIMIT_BOOKING_ACCOUNT",
    "RATE_LIMIT_BOOKING_IP",
)


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """Every rate limit far above what a test sends, since the counters outlive a test.

    The tests of the limits (tests/core/test_ratelimit.py, tests/api/test_rate_limits.py)
    set their own and start from an empty cache.
    """
    for name in RATE_LIMIT_SETTINGS:
        setattr(settings, name, "1000000/minute")


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def owner(db):
    return UserFactory(role=Role.OWNER, email="owner@example.test", full_name="Olga Owner")


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.MANAGER, email="manager@example.test", full_name="Mia Manager")


@pytest.fixture
def trainer(db):
    return UserFactory(role=Role.TRAINER, email="trainer@example.test", full_name="Tom Trainer")


@pytest.fixture
def front_desk(db):
    return UserFactory(role=Role.FRONT_DESK, email="desk@example.test", full_name="Dana Desk")


@pytest.fixture
def client_user(db):
    return UserFactory(role=Role.CLIENT, email="client@example.test", full_name="Cleo Client")


@pytest.fixture
def outsider(db):
    """A client with no relation to anyone else's records: must see nothing of theirs."""
    return UserFactory(role=Role.CLIENT, email="outsider@example.test", full_name="Otto Outsider")


@pytest.fixture
def users_by_role(owner, manager, trainer, front_desk, client_user):
    return {
        Role.OWNER: owner,
        Role.MANAGER: manager,
        Role.TRAINER: trainer,
        Role.FRONT_DESK: front_desk,
        Role.CLIENT: client_user,
    }


@pytest.fixture
def login():
    """`login(user)` gives a test client signed in as `user`."""

    def _login(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture(scope="module")
def loaded_demo(django_db_setup, django_db_blocker) -> str:
    """`fitnesscrm loaddemo` once for a module (committed, so each test sees it); its output.

    The database is emptied again when the module is done.
    """
    import io

    from django.core.management import call_command

    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("loaddemo", stdout=out)
        yield out.getvalue()
        call_command("flush", "--noinput", verbosity=0)
