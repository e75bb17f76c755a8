"""Every page of the site, for a visitor and for an outsider client: nothing leaks.

Each URL pattern (the API has its own matrix in tests/api/test_api_matrix.py) must
have a row here: what an anonymous GET gets ("login" = a redirect to the sign-in
page), and what a signed-in client with no records of their own gets for GET and
POST, with ids that belong to nobody. A new page without a row fails the first test,
so its access rule is decided when it is added. Each role's own answers are tested
with the pages of each app (tests/clients, tests/trainers, tests/accounts).
"""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

SKIP_PREFIXES = ("admin/", "api/v1/")
ARG_VALUES = {"uidb64": "MQ", "token": "set-password"}
LOGIN = "login"

# name: (anonymous GET, outsider GET, outsider POST)
EXPECTED = {
    "root": (302, 302, 302),
    "home": ("login", 302, 302),
    "home-owner": ("login", 403, 405),
    "home-manager": ("login", 403, 405),
    "home-trainer": ("login", 403, 405),
    "home-front-desk": ("login", 403, 405),
    "home-client": ("login", 200, 405),
    "accounts:login": (200, 302, 302),
    "accounts:logout": (405, 405, 302),
    "accounts:password-change": ("login", 200, 200),
    "accounts:password-reset": (200, 200, 200),
    "accounts:password-reset-done": (200, 200, 405),
    "accounts:password-reset-confirm": (200, 200, 200),
    "accounts:password-reset-complete": (200, 200, 405),
    "accounts:api-keys": ("login", 403, 403),
    "accounts:api-key-revoke": (405, 405, 403),
    "audit-log": ("login", 403, 405),
    "clients-io:export": ("login", 403, 405),
    "clients-io:import": ("login", 403, 403),
    "clients-io:import-detail": ("login", 403, 405),
    "clients-io:import-mapping": (405, 405, 403),
    "clients-io:import-progress": ("login", 403, 405),
    "clients-io:import-commit": (405, 405, 403),
    "clients-io:import-cancel": (405, 405, 403),
    "clients-io:import-errors": ("login", 403, 405),
    "clients:list": ("login", 403, 405),
    "clients:bulk": (405, 405, 403),
    "clients:create": ("login", 403, 403),
    "clients:detail": ("login", 403, 405),
    "clients:edit": ("login", 403, 403),
    "clients:archive": (405, 405, 403),
    "clients:restore": (405, 405, 403),
    "clients:note-add": (405, 405, 403),
    "clients:note-pin": (405, 405, 403),
    "clients:status": (405, 405, 403),
    "clients:stage": (405, 405, 403),
    "clients:assign": (405, 405, 403),
    "clients:assignment-end": (405, 405, 403),
    "clients:task-add": (405, 405, 403),
    "clients:merge": ("login", 403, 403),
    "clients:invite": (405, 405, 403),
    "clients:photo": ("login", 404, 405),
    "clients:leads": ("login", 403, 405),
    "clients:tasks": ("login", 403, 405),
    "clients:task-done": (405, 405, 403),
    "clients:portal-profile": ("login", 200, 200),
    "trainers:list": ("login", 403, 405),
    "trainers:create": ("login", 403, 403),
    "trainers:detail": ("login", 403, 405),
    "trainers:edit": ("login", 403, 403),
    "trainers:certification-add": (405, 405, 403),
    "trainers:certification-delete": (405, 405, 403),
    "trainers:staff": ("login", 403, 403),
    "trainers:staff-active": (405, 405, 403),
    "trainers:staff-invite": (405, 405, 403),
    "health-live": (200, 200, 405),
    "health-ready": (200, 200, 405),
}

# Pages a signed-in client may open: their own portal, the password pages, health.
CLIENT_PAGES = {
    "home-client",
    "clients:portal-profile",
    "accounts:password-change",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "health-live",
    "health-ready",
}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(SKIP_PREFIXES):
                continue
            child = pattern.namespace or ""
            ns = ":".join(part for part in (namespace, child) if part)
            yield from _walk(pattern.url_patterns, route, ns)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def routes():
    for name, pattern in _walk(get_resolver().url_patterns):
        kwargs = {key: ARG_VALUES.get(key, 999999) for key in pattern.pattern.regex.groupindex}
        yield name, reverse(name, kwargs=kwargs)


def test_every_page_has_an_entry_in_the_matrix():
    names = {name for name, _url in routes()}
    assert names - EXPECTED.keys() == set(), "add these pages to EXPECTED"
    assert EXPECTED.keys() - names == set(), "these pages no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("name,url", list(routes()), ids=[name for name, _ in routes()])
def test_visitors_and_outsiders_get_what_the_matrix_says(name, url, outsider):
    anonymous_get, outsider_get, outsider_post = EXPECTED[name]

    response = Client().get(url)
    if anonymous_get == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
    else:
        assert response.status_code == anonymous_get

    signed_in = Client()
    signed_in.force_login(outsider)
    assert signed_in.get(url).status_code == outsider_get
    signed_in.force_login(outsider)
    assert signed_in.post(url, {}).status_code == outsider_post


def test_an_outsider_client_opens_no_staff_page():
    for name, (_anonymous, outsider_get, _post) in EXPECTED.items():
        if name not in CLIENT_PAGES:
            assert outsider_get != 200, f"{name} answers 200 to a client"
