"""Sign-in security shown on lists of accounts (the staff page)."""

from django import template

from fitnesscrm.accounts import throttle

register = template.Library()


@register.simple_tag
def locked_emails(accounts) -> set[str]:
    """The emails of `accounts` that are locked after failed sign-ins (one query)."""
    return throttle.locked_emails(account.email for account in accounts)
