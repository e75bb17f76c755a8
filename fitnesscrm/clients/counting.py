"""How many clients a list holds, counted once and then kept until a client changes.

Every list page and list endpoint says how many clients match ("100,000 clients").
On PostgreSQL a count reads every matching index entry: 8 ms for the unfiltered list
at 100,000 clients, more than the rest of the query. So the count is cached under the
count's SQL (which holds the caller's scope and filters) and the generation of
"clients" (core/generations.py), which every committed change to a client, its tags
or its trainers replaces: the signals below, and `clients_changed()` called by the
bulk writes, which send none. Cache invalidation, not business logic: the rules stay
in the services.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import cached_property

from fitnesscrm.core import generations

GENERATION = "clients"


def clients_changed(using: str | None = None) -> None:
    """Counts are stale once the current transaction commits."""
    generations.changed(GENERATION, using)


def count(queryset: QuerySet) -> int:
    """`queryset.count()`, from the cache while no client has changed."""
    if not generations.enabled():
        return queryset.count()
    sql, params = queryset.query.sql_with_params()
    key = f"count:{queryset.db}:{sql}:{params!r}"
    return generations.cached(GENERATION, key, queryset.count)


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
