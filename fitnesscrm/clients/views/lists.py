"""The client list (search, filters, pages; an htmx request gets only the results) and the
bulk actions on the clients selected in it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from fitnesscrm.clients import counting, selectors, services
from fitnesscrm.clients.forms import MAX_SELECTION, PER_PAGE_CHOICES, ClientFilterForm
from fitnesscrm.clients.models import Status
from fitnesscrm.clients.views._common import STAFF, _is_fragment, _label
from fitnesscrm.core import generations
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.permissions import role_required, sees_all_clients
from fitnesscrm.trainers import selectors as trainer_selectors


def _export_url() -> str:
    try:
        return reverse("clients-io:export")
    except NoReverseMatch:  # built in another branch of work
        return "/clients/export.csv"


@require_GET
@role_required(*STAFF)
def client_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    trainers = trainer_selectors.trainer_choices(user)
    form = ClientFilterForm(
        request.GET,
        trainers=trainers,
        tags=selectors.tag_choices(),
        can_see_archived=sees_all_clients(user),
    )
    values = form.values()
    per_page = values.pop("per_page")
    clients = selectors.client_list(user=user, **values)
    page = counting.CountCachedPaginator(clients, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query.pop("per_page", None)
    context = {
        "form": form,
        "filters_html": "" if _is_fragment(request) else _filters_html(request, form),
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=1)),
        "query": query.urlencode(),
        "export_url": f"{_export_url()}?{export_query.urlencode()}".rstrip("?"),
        "filtered": bool(values["q"]) or form.active_filters > 0,
        "trainers": trainers,
        "can_assign": sees_all_clients(user),
        "can_import": services.can_import_clients(user),
        "status_choices": Status.choices,
        "per_page_choices": PER_PAGE_CHOICES,
    }
    template = "clients/list.html#results" if _is_fragment(request) else "clients/list.html"
    return render(request, template, context)


def _filters_html(request: HttpRequest, form: ClientFilterForm) -> str:
    """The search and filter form, rendered once per query string and set of choices.

    A select renders a template per option (trainers, tags, statuses, sources, sorts):
    2 ms of a 20 ms page, the same for everyone who sees the same choices.
    """
    params = sorted((k, v) for k, values in request.GET.lists() if k != "page" for v in values)
    key = f"client-filters:{form.fields.get('archived') is not None}:{params!r}"
    html = generations.cached(
        selectors.TAGS_GENERATION,
        key,
        lambda: render_to_string("clients/_filters.html", {"form": form}, request=request),
        also=(trainer_selectors.GENERATION,),
    )
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered  # nosec B308 B703


@require_POST
@role_required(*STAFF)
def client_bulk(request: HttpRequest) -> HttpResponse:
    """Tag, assign or change the status of the selected clients (only those the user sees)."""
    query = QueryDict(request.POST.get("query", ""))
    back = reverse("clients:list") + (f"?{query.urlencode()}" if query else "")
    try:
        ids = [int(pk) for pk in request.POST.getlist("ids")][: MAX_SELECTION + 1]
    except ValueError:
        ids = []
    action = request.POST.get("action", "")
    try:
        if action == "tag":
            count = services.clients_bulk_tag(
                actor=request.user, client_ids=ids, tag_name=request.POST.get("tag", "")
            )
            done = f"tagged “{request.POST.get('tag', '').strip()}”"
        elif action == "assign":
            trainer_id = request.POST.get("trainer", "")
            trainer = next(
                (
                    t
                    for t in trainer_selectors.trainer_choices(request.user)
                    if str(t.pk) == trainer_id
                ),
                None,
            )
            if trainer is None:
                raise ApplicationError("Choose a trainer to assign.", code="invalid")
            count = services.clients_bulk_assign(
                actor=request.user, client_ids=ids, trainer=trainer
            )
            done = f"assigned to {trainer.name}"
        elif action == "status":
            status = request.POST.get("status", "")
            count = services.clients_bulk_status(actor=request.user, client_ids=ids, status=status)
            done = f"set to {_label(Status, status)}"
        else:
            raise ApplicationError("Choose what to do with the selected clients.", code="invalid")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{count} client{'s' if count != 1 else ''} {done}.")
    return redirect(back)
