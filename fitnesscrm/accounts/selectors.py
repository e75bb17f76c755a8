"""Reads of accounts, scoped to the acting user."""

from django.db.models import F, QuerySet

from fitnesscrm.accounts.models import ApiKey, User


def api_key_list(*, user: User) -> QuerySet[ApiKey]:
    """The user's own keys, active ones first."""
    return ApiKey.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at"
    )
