"""Privacy pages: a client's privacy page and erasure (staff), the request log, the portal."""

from datetime import datetime, time

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors, refuse
from fitnesscrm.core.permissions import role_of, role_required
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role
from fitnesscrm.privacy import selectors, services
from fitnesscrm.privacy.download import export_response
from fitnesscrm.privacy.forms import (
    EraseForm,
    MarketingConsentForm,
    PortalRequestForm,
    RequestForm,
)
from fitnesscrm.privacy.models import RequestStatus

MANAGEMENT = tuple(MANAGEMENT_ROLES)


def _client(request, client_id):
    try:
        return selectors.privacy_client_get(user=request.user, client_id=client_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _download(request, export_id, client_id=None):
    try:
        record = selectors.export_get(user=request.user, export_id=export_id, client_id=client_id)
        services.export_downloaded(actor=request.user, export_record=record)
    except ApplicationError as exc:
        refuse(exc)
        raise
    return export_response(record)


def _client_page(request, client, consent_form=None, status=200) -> HttpResponse:
    return render(
        request,
        "privacy/client.html",
        {
            "client": client,
            "consents": selectors.consent_history_all(client),
            "exports": selectors.exports_of(user=request.user, client=client)[:10],
            "requests": client.data_requests.select_related("handled_by").order_by("-received_at"),
            "may_erase": role_of(request.user) == Role.OWNER,
            "consent_form": consent_form or MarketingConsentForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@require_GET
@role_required(*MANAGEMENT)
def client_privacy(request: HttpRequest, client_id: int) -> HttpResponse:
    return _client_page(request, _client(request, client_id))


@require_POST
@role_required(*MANAGEMENT)
def consent_record(request: HttpRequest, client_id: int) -> HttpResponse:
    """Record a marketing consent given or withdrawn in person or on a signed form."""
    client = _client(request, client_id)
    form = MarketingConsentForm(request.POST)
    if form.is_valid():
        try:
            services.marketing_consent_record(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "The consent was recorded.")
            return redirect("privacy:client", client_id=client.pk)
    return _client_page(request, client, consent_form=form, status=400)


@require_POST
@role_required(*MANAGEMENT)
def export_start(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id)
    try:
        services.export_create(actor=request.user, client=client)
        messages.success(request, "The export is ready to download below.")
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    return redirect("privacy:client", client_id=client.pk)


@require_GET
@role_required(*MANAGEMENT)
def export_download(request: HttpRequest, client_id: int, export_id: int) -> HttpResponse:
    _client(request, client_id)
    return _download(request, export_id, client_id=client_id)


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def erase(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id)
    form = EraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = services.client_erase(
                    actor=request.user,
                    client=client,
                    confirmation=form.cleaned_data["confirmation"],
                )
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                messages.success(request, f"The personal data was erased: {record.pseudonym}.")
                return redirect("privacy:client", client_id=client.pk)
        status = 400
    return render(request, "privacy/erase.html", {"client": client, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*MANAGEMENT)
def requests_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":

        def find(text, chosen_id):
            return selectors.request_client_matches(
                user=request.user, q=text, limit=RequestForm.MAX_CHOICES + 1, chosen_id=chosen_id
            )

        form = RequestForm(request.POST, find=find)
    else:
        form = _request_form_for(request, request.GET.get("client"))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            received = None
            if data["received_on"]:
                received = timezone.make_aware(datetime.combine(data["received_on"], time(9)))
            try:
                services.request_create(
                    actor=request.user,
                    client=data["client_record"],
                    kind=data["kind"],
                    notes=data["notes"],
                    received_at=received,
                )
            except ApplicationError as exc:
                apply_errors(form, exc, aliases={"received_at": "received_on"})
            else:
                messages.success(request, "The request was logged.")
                return redirect("privacy:requests")
        status = 400
    show = request.GET.get("show", "open")
    items = selectors.requests_list(
        user=request.user, status=None if show == "all" else RequestStatus.OPEN
    )
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/requests.html",
        {"form": form, "page": page, "show": show, "now": timezone.now()},
        status=status,
    )


def _request_form_for(request, client_id) -> RequestForm:
    """The empty form; from a client's privacy page (?client=<id>), filled in for them."""
    if client_id:
        try:
            client = selectors.privacy_client_get(user=request.user, client_id=client_id)
        except NotFound:
            pass
        else:
            return RequestForm(
                initial={"client": client.full_name, "client_id": client.pk}, matches=[client]
            )
    return RequestForm()


@require_POST
@role_required(*MANAGEMENT)
def request_close(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        item = selectors.request_get(user=request.user, request_id=request_id, for_update=True)
        outcome = request.POST.get("status", RequestStatus.DONE)
        services.request_update(
            actor=request.user, request=item, status=outcome, notes=request.POST.get("notes")
        )
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Request #{item.pk} was closed.")
    return redirect("privacy:requests")


# --- Portal ------------------------------------------------------------------------------------


def _own(request):
    try:
        return selectors.own_client(request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
@role_required(Role.CLIENT)
def portal_index(request: HttpRequest, form: PortalRequestForm | None = None) -> HttpResponse:
    client = _own(request)
    return render(
        request,
        "privacy/portal.html",
        {
            "client": client,
            "exports": selectors.exports_of(user=request.user, client=client)[:5],
            "requests": selectors.requests_list(user=request.user, status=None)[:20],
            "consents": selectors.consent_history_all(client)[:50],
            "form": form or PortalRequestForm(),
            "now": timezone.now(),
        },
    )


@require_POST
@role_required(Role.CLIENT)
def portal_export(request: HttpRequest) -> HttpResponse:
    client = _own(request)
    try:
        services.export_create(actor=request.user, client=client)
        messages.success(request, "Your data is ready: download it below.")
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    return redirect("portal-privacy:index")


@require_GET
@role_required(Role.CLIENT)
def portal_download(request: HttpRequest, export_id: int) -> HttpResponse:
    return _download(request, export_id)


@require_POST
@role_required(Role.CLIENT)
def portal_request(request: HttpRequest) -> HttpResponse:
    client = _own(request)
    form = PortalRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_create(
                actor=request.user, client=client, kind=form.cleaned_data["kind"], channel="portal"
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "We received your request and will answer within one month.")
            return redirect("portal-privacy:index")
    request.method = "GET"
    response = portal_index(request, form=form)
    response.status_code = 400
    return response
