"""What every app's pages do with a service's answer: errors on the form, refusals as 403 or 404."""

from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from fitnesscrm.core.errors import ApplicationError, Forbidden, NotFound


def apply_errors(
    form: forms.Form, exc: ApplicationError, *, aliases: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: at the fields it names, else above the form.

    `aliases` maps a service's field name to the form's, where they differ.
    """
    placed = False
    for error in exc.errors:
        name = error.get("field")
        name = (aliases or {}).get(name, name)
        if name in form.fields:
            form.add_error(name, error.get("message") or exc.message)
            widget = form.fields[name].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
            widget.attrs["aria-invalid"] = "true"
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def refuse(exc: ApplicationError) -> None:
    """Turn a service's "not yours" or "no such thing" into the page's 403 or 404."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc


def found_or_404(select: Callable, **kwargs):
    """`select(**kwargs)` (a selector's *_get), with its NotFound as the page's 404."""
    try:
        return select(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc
