"""How many clients a list holds, counted once and then kept until a client changes.

Every list page and list endpoint says how many clients match ("100,000 clients").
On PostgreSQL a count reads every matching index entry: 8 ms for the unfiltered list
at 100,000 clients, more than the rest of the query. So the count is cached under the
count's SQL (which holds the caller's scope and filters) and the generation of
"clients" (core/generations.py), which every committed change to a client, its tags
or its trainers replaces: model signals (clients/apps.py), and `clients_changed()`
called by the bulk writes, which send none.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
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
