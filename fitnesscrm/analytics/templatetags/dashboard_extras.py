"""Template filters of the home dashboards: the badge of a client status."""

from django import template

register = template.Library()


@register.filter
def status_class(status: str) -> str:
    """Badge classes for a client status: the same look as on the client pages."""
    return f"fc-status fc-status-{status}"
