"""Cached reads that are never older than the last committed change to what they read.

Each kind of data ("clients", "trainers") has a *generation*: a token in the cache,
replaced after every committed change to that data (the apps connect model signals to
`changed`, and call it themselves after bulk writes, which send no signals). A value
cached under a key that holds the current token is valid; a change makes every such
key unreachable at once, and the old entries expire.

This needs a cache that every process shares (Redis): with a per-process cache, a
change committed by another process (the worker) would not reach this one. Without
one (`SHARED_CACHE` is off unless `REDIS_URL` is set) nothing is cached and each read
is computed. A cache that fails means computing, never an error.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10 * 60


def enabled() -> bool:
    return bool(getattr(settings, "SHARED_CACHE", False))


def _key(name: str) -> str:
    return f"generation:{name}"


def _replace(name: str) -> None:
    try:
        cache.set(_key(name), uuid.uuid4().hex, timeout=None)
    except Exception:  # the cache is down: reads compute meanwhile
        logger.warning("Could not record a change of %s in the cache.", name, exc_info=True)


_replacers: dict[str, Callable[[], None]] = {}


def _replacer(name: str) -> Callable[[], None]:
    if name not in _replacers:
        _replacers[name] = lambda: _replace(name)
    return _replacers[name]


def changed(name: str, using: str | None = None) -> None:
    """Start a new generation of `name` once the current transaction commits (now, outside one).

    After the commit, not before: a read made between the change and its commit would
    see the old rows and be cached under the new generation.
    """
    if not enabled():
        return
    replace = _replacer(name)
    connection = transaction.get_connection(using)
    if any(callback is replace for _sids, callback, _robust in connection.run_on_commit):
        return  # one new generation per transaction is enough (an import saves many rows)
    transaction.on_commit(replace, using=using)


def current(name: str) -> str:
    generation = cache.get(_key(name))
    if generation is None:  # first use, or evicted
        cache.add(_key(name), uuid.uuid4().hex, timeout=None)
        generation = cache.get(_key(name))
    return generation


def cached[T](
    name: str,
    key: str,
    compute: Callable[[], T],
    *,
    also: tuple[str, ...] = (),
    timeout: int = DEFAULT_TIMEOUT,
) -> T:
    """`compute()`, from the cache while `name` (and each of `also`) has not changed."""
    if not enabled():
        return compute()
    try:
        others = ":".join(f"{other}={current(other)}" for other in also)
        digest = hashlib.sha256(f"{others}:{key}".encode()).hexdigest()
        full_key = f"{name}:{current(name)}:{digest}"
        value = cache.get(full_key)
    except Exception:
        logger.warning("Cache unavailable for %s; computing.", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(full_key, value, timeout)
        except Exception:
            logger.warning("Could not cache a value of %s.", name, exc_info=True)
    return value


def follow(name: str, *models, m2m=()) -> None:
    """Start a new generation of `name` whenever a row of `models` is saved or deleted
    (or a many-to-many relation of `m2m`, given as its through model, changes).

    Called from the apps' ready(). Cache invalidation only: the rules stay in services.
    """

    def receiver(sender, *, using="default", **kwargs) -> None:
        changed(name, using)

    for model in models:
        uid = f"generation-{name}-{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
    for through in m2m:
        uid = f"generation-{name}-{through._meta.label}-m2m"
        m2m_changed.connect(receiver, sender=through, weak=False, dispatch_uid=uid)
