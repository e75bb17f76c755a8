"""Shared pages: error pages, the CSRF failure answer, the audit log."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fitnesscrm.core import selectors
from fitnesscrm.core.errors import api_error_response, is_api_request
from fitnesscrm.core.forms import AuditFilterForm
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import MANAGEMENT_ROLES

AUDIT_PAGE_SIZE = 50


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_request(request):
        return api_error_response(
            403, "CSRF check failed: send the X-CSRFToken header with a session.", "csrf_failed"
        )
    return render(request, "403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(400, "The request could not be understood.", "bad_request")
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(403, "You do not have permission for this.", "forbidden")
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(404, "No API endpoint or object at this address.", "not_found")
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(
            500, "Something went wrong on our side; the error has been logged.", "server_error"
        )
    # No RequestContext: the error may have come from a context processor.
    from django.template import loader

    return HttpResponse(
        loader.get_template("500.html").render({"request_id": getattr(request, "request_id", "")}),
        status=500,
    )


@require_GET
@role_required(*MANAGEMENT_ROLES)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_action_choices())
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entry_list(
        user=request.user,
        action=filters.get("action", ""),
        actor=filters.get("actor", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    fragment = bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))
    context = {"form": form, "page": page, "query": query.urlencode(), "filters_oob": fragment}
    template = "core/audit_list.html#results" if fragment else "core/audit_list.html"
    return render(request, template, context)
