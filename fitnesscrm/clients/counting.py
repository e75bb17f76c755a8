"""How many clients a list holds, counted once and then kept until a client changes.

Every list page and list endpoint says how many clients match ("100,000 clients").
On PostgreSQL a count reads every matching index entry: 8 ms for the unfiltered list
at 100,000 clients, more than the rest of the query. So the count is cached, under a
key made of the count's SQL (which holds the caller's scope and filters) and a
*generation*: a token replaced after every committed change to a client, its tags or
its trainers (signals below; bulk writes call `clients_changed()` themselves). A
count is never older than the last change that could alter it.

The cache must be shared by every process (Redis): with a per-process cache, a
change committed in another process (the worker running an import) would not reach
this one. Without one (`CLIENT_COUNT_CACHE` is off unless `REDIS_URL` is set), lists
count every time. A cache that fails falls back to counting.
"""

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

GENERATION_KEY = "clients:count-generation"
COUNT_TIMEOUT = 10 * 60


def enabled() -> bool:
    return bool(getattr(settings, "CLIENT_COUNT_CACHE", False))


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the cache is down: counts fall back to counting meanwhile
        logger.warning("Could not record a change of clients in the cache.", exc_info=True)


def clients_changed(using: str | None = None) -> None:
    """Drop the cached counts once the current transaction commits (now, outside one).

    After the commit, not before: a count made between the change and its commit
    would see the old rows and be stored under the new generation.
    """
    if not enabled():
        return
    connection = transaction.get_connection(using)
    if any(callback is _new_generation for _sids, callback, _robust in connection.run_on_commit):
        return  # one new generation per transaction is enough (an import saves many rows)
    transaction.on_commit(_new_generation, using=using)


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:  # first use, or evicted
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def count(queryset: QuerySet) -> int:
    """`queryset.count()`, from the cache while no client has changed."""
    if not enabled():
        return queryset.count()
    try:
        sql, params = queryset.query.sql_with_params()
        fingerprint = repr((_generation(), queryset.db, sql, params)).encode()
        key = "clients:count:" + hashlib.sha256(fingerprint).hexdigest()
        value = cache.get(key)
    except Exception:
        logger.warning("Client counts cache unavailable; counting.", exc_info=True)
        return queryset.count()
    if value is None:
        value = queryset.count()
        try:
            cache.set(key, value, COUNT_TIMEOUT)
        except Exception:
            logger.warning("Could not cache a client count.", exc_info=True)
    return value


class CountCachedPaginator(Paginator):
    """A paginator whose count comes from `count()` above."""

    @cached_property
    def count(self) -> int:
        return count(self.object_list)


def _changed(sender, *, using="default", **kwargs) -> None:
    clients_changed(using)


def connect_signals() -> None:
    """Changes that can alter a list's count: clients, their tags, their trainers."""
    from fitnesscrm.clients.models import Assignment, Client, Tag

    for model in (Client, Assignment, Tag):
        post_save.connect(_changed, sender=model, dispatch_uid=f"count-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"count-{model.__name__}-del")
    m2m_changed.connect(_changed, sender=Client.tags.through, dispatch_uid="count-client-tags")
