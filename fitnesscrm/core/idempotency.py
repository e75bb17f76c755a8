"""The Idempotency-Key header: a repeated request gets the first answer, and is not done twice.

The first request with a key inserts its row and does the work in the same
transaction; its status and body are stored before the commit. A repeat (or a
request racing it: PostgreSQL makes the second insert wait for the first commit,
then refuses it on the unique constraint) reads that row and answers with it. A
refusal by a business rule is stored and repeated like a success; a crash rolls
back the row with the work, so the key can be tried again. Rows live 24 hours.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEEP_FOR = timedelta(hours=24)


class KeyReused(ApplicationError):
    status = 422
    code = "idempotency_key_reused"


def request_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _header_error(message: str, code: str) -> ApplicationError:
    return ApplicationError(
        message, code=code, errors=[{"field": HEADER, "location": "header", "message": message}]
    )


def clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key:
        raise _header_error("The Idempotency-Key header is empty.", "idempotency_key_invalid")
    if len(key) > MAX_KEY_LENGTH:
        raise _header_error(
            f"An Idempotency-Key is at most {MAX_KEY_LENGTH} characters.",
            "idempotency_key_too_long",
        )
    return key


def _as_json(body: dict) -> dict:
    """The body as the JSON the client receives (times as the API renders them)."""
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _error_answer(request: HttpRequest, exc: ApplicationError) -> tuple[int, dict]:
    from fitnesscrm.api import on_application_error  # the API module mounts this one

    response = on_application_error(request, exc)
    return response.status_code, json.loads(response.content)


def idempotent(
    request: HttpRequest,
    *,
    scope: str,
    key: str | None,
    payload: dict,
    run: Callable[[], tuple[int, dict]],
) -> JsonResponse:
    """Answer `run()` once per user, scope and key; `payload` is what "the same body" means."""
    key = clean_key(key)
    if key is None:
        status, body = run()
        return JsonResponse(_as_json(body), status=status)
    user = request.auth
    digest = request_hash(payload)
    with transaction.atomic():
        IdempotentRequest.objects.filter(
            user=user, scope=scope, key=key, created_at__lt=timezone.now() - KEEP_FOR
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    user=user, scope=scope, key=key, request_hash=digest
                )
        except IntegrityError:
            return _replay(IdempotentRequest.objects.get(user=user, scope=scope, key=key), digest)
        try:
            with transaction.atomic():
                status, body = run()
            body = _as_json(body)
        except ApplicationError as exc:
            status, body = _error_answer(request, exc)
        record.status_code = status
        record.response = body
        record.save(update_fields=["status_code", "response"])
    return JsonResponse(body, status=status)


def _replay(record: IdempotentRequest, digest: str) -> JsonResponse:
    if record.request_hash != digest:
        message = "This Idempotency-Key was used for a different request: send a new key."
        raise KeyReused(
            message, errors=[{"field": HEADER, "location": "header", "message": message}]
        )
    response = JsonResponse(record.response, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def prune(*, now=None) -> int:
    """Delete the keys older than 24 hours; returns how many."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
