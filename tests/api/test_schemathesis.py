"""Every API operation fuzzed from the OpenAPI document (/api/v1/openapi.json) by schemathesis.

The requests are generated from each operation's parameters and body schema and sent,
as the owner with an API key, to the WSGI app in-process. No answer may be a server
error, and each must be one the document describes: a documented status, a JSON body
that matches that status's schema, the declared content type. Half the cases name the
ids of the records of `gym` (tests/api/test_api_matrix.py) so they reach real records;
the others use whatever ids are generated, mostly missing ones. Examples are few and
derandomized: the same requests on every run, a couple of minutes on each database.
"""

import functools

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict, from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fitnesscrm.accounts import services as account_services
from fitnesscrm.api import api
from tests.api.test_api_matrix import MATRIX, PREFIX, _api_operations, gym  # noqa: F401

EXAMPLES_PER_OPERATION = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROWS = {row.key: row for row in MATRIX}
OPERATIONS = sorted(_api_operations())


@functools.cache
def document():
    return from_dict(api.get_openapi_schema())


@pytest.fixture
def wsgi_app(settings):
    """The app as a WSGI callable that leaves the test's database connection open."""
    settings.ALLOWED_HOSTS = ["*"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_document_lists_every_operation_of_the_matrix(wsgi_app):
    schema = from_wsgi(f"{PREFIX}/openapi.json", wsgi_app)
    listed = {
        f"{result.ok().method.upper()} {result.ok().path.removeprefix(PREFIX)}"
        for result in schema.get_all_operations()
    }
    assert listed == set(OPERATIONS)


@pytest.mark.parametrize("key", OPERATIONS)
def test_the_operation_answers_as_documented_to_generated_requests(
    key,
    gym,  # noqa: F811 - the matrix's fixture, imported above
    owner,
    wsgi_app,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    row = ROWS[key]
    if row.prepare:
        row.prepare(gym)
    _key, raw = account_services.api_key_create(user=owner, name="Schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}

    # The document as /api/v1/openapi.json serves it (the test above), built once.
    schema = document()
    schema.app = wsgi_app
    method, path = key.split(" ", 1)
    operation = schema[PREFIX + path][method]
    strategy = operation.as_strategy()
    real_ids = row.ids(gym)
    if real_ids:
        strategy = st.one_of(operation.as_strategy(path_parameters=real_ids), strategy)

    @given(case=strategy)
    @examples(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()


def test_no_two_schemas_of_the_document_share_a_name():
    # The document keeps one schema per class name: a second class of the same name
    # elsewhere would silently describe the first one's operations with its fields.
    from ninja import Schema

    import fitnesscrm.api  # noqa: F401 - every router's schemas imported

    by_name: dict[str, set[str]] = {}
    pending = list(Schema.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("fitnesscrm."):
            by_name.setdefault(cls.__name__, set()).add(str(cls.model_json_schema()))
    assert {name for name, shapes in by_name.items() if len(shapes) > 1} == set()
