"""Pages of the CSV export and import: thin adapters over clients.csv_io and clients.imports."""

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients import csv_io, selectors
from fitnesscrm.clients.forms import ClientFilterForm
from fitnesscrm.clients.forms_io import ImportCommitForm, ImportMappingForm, ImportUploadForm
from fitnesscrm.clients.imports import cleanup, fields, files, jobs
from fitnesscrm.clients.models import ClientImport, ImportMode, ImportStatus
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.pages import apply_errors
from fitnesscrm.core.permissions import CLIENT_DESK_ROLES, role_required, sees_all_clients
from fitnesscrm.core.roles import STAFF_ROLES
from fitnesscrm.trainers import selectors as trainer_selectors

DESK = tuple(CLIENT_DESK_ROLES)
ERRORS_PAGE_SIZE = 50
RECENT_IMPORTS = 10
IMPORT_STEPS = [(1, "Upload"), (2, "Match columns"), (3, "Check"), (4, "Import")]
_STEP_OF = {
    ImportStatus.UPLOADED: 2,
    ImportStatus.CHECKING: 3,
    ImportStatus.CHECKED: 3,
    ImportStatus.FAILED: 3,
    ImportStatus.IMPORTING: 4,
    ImportStatus.DONE: 4,
}


def _streamed(request: HttpRequest, chunks: Iterator[bytes]):
    """Under ASGI a plain iterator would be read whole before sending; hand it over piecewise."""
    if not isinstance(request, ASGIRequest):
        return chunks

    async def piecewise() -> AsyncIterator[bytes]:
        done = object()
        try:
            while (chunk := await sync_to_async(next)(chunks, done)) is not done:
                yield chunk
        finally:
            await sync_to_async(chunks.close)()

    return piecewise()


def _csv_response(request: HttpRequest, chunks: Iterator[bytes], file_name: str):
    response = StreamingHttpResponse(
        _streamed(request, chunks), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- Export ---------------------------------------------------------------------------------


@require_GET
@role_required(*STAFF_ROLES)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The client list as CSV, with the list's search, filters and sort (or `ids=1,2,3`)."""
    user = request.user
    trainers = trainer_selectors.visible_trainers(user).filter(is_active=True)
    trainers = trainers.select_related("user")  # the filter's choices show their names
    form = ClientFilterForm(
        request.GET,
        trainers=trainers,
        tags=selectors.tag_list(),
        can_see_archived=sees_all_clients(user),
    )
    filters = form.values()
    filters.pop("per_page", None)
    ids = None
    if "ids" in request.GET:
        try:
            ids = csv_io.parse_ids(request.GET["ids"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
            query = request.GET.copy()
            query.pop("ids")
            return redirect(f"{reverse('clients:list')}?{query.urlencode()}".rstrip("?"))
    chunks = csv_io.clients_export(user=user, filters=filters, ids=ids)
    return _csv_response(request, chunks, csv_io.export_file_name())


# --- Import ---------------------------------------------------------------------------------


def _job_or_404(request: HttpRequest, import_id: int) -> ClientImport:
    try:
        return jobs.import_get(user=request.user, import_id=import_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _job_as_it_stands(request: HttpRequest, import_id: int) -> ClientImport:
    """The import for its page: a run whose worker died shows as interrupted, not spinning."""
    return cleanup.import_fail_if_interrupted(job=_job_or_404(request, import_id))


@require_http_methods(["GET", "POST"])
@role_required(*DESK)
def import_start(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a CSV file; its content is checked before anything else happens."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.import_upload(
                actor=request.user,
                upload=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("clients-io:import-detail", import_id=job.pk)
    context = {
        "form": form,
        "recent": jobs.import_list(user=request.user)[:RECENT_IMPORTS],
        "fields": fields.field_choices(request.user),
        "max_rows": files.MAX_ROWS,
        "steps": IMPORT_STEPS,
    }
    return render(
        request, "clients/io/import_start.html", context, status=400 if form.errors else 200
    )


def _mapping_form(request: HttpRequest, job: ClientImport, data=None) -> ImportMappingForm:
    return ImportMappingForm(
        data,
        headers=job.headers,
        choices=fields.field_choices(request.user),
        initial_mapping=job.mapping,
    )


def _render_detail(request: HttpRequest, job: ClientImport, *, mapping_form=None, status=200):
    can_check = bool(job.file) and job.purged_at is None and job.status in jobs.MAPPABLE
    show_mapping = can_check and (
        job.status == ImportStatus.UPLOADED or mapping_form is not None or "mapping" in request.GET
    )
    context = {
        "job": job,
        "statuses": ImportStatus,
        "modes": ImportMode,
        "can_check": can_check,
        "retention_days": settings.CLIENT_IMPORT_RETENTION_DAYS,
        "show_mapping": show_mapping,
        "inline_rows": jobs.INLINE_ROWS,
        "steps": IMPORT_STEPS,
        "step": 2 if show_mapping else _STEP_OF.get(job.status),
    }
    if show_mapping:
        form = mapping_form or _mapping_form(request, job)
        context["mapping_form"] = form
        context["mapping_rows"] = list(form.rows(job.preview))
    elif job.status in (ImportStatus.CHECKED, ImportStatus.DONE, ImportStatus.FAILED):
        errors = jobs.import_errors(user=request.user, job=job)
        context["errors_page"] = Paginator(errors, ERRORS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    return render(request, "clients/io/import_detail.html", context, status=status)


@require_GET
@role_required(*DESK)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """Steps 2 to 4 of one import: the mapping, the progress, the dry run's report, the result."""
    return _render_detail(request, _job_as_it_stands(request, import_id))


@require_POST
@role_required(*DESK)
def import_mapping(request: HttpRequest, import_id: int) -> HttpResponse:
    """Step 2 → 3: save the column mapping and check every row (a dry run)."""
    job = _job_or_404(request, import_id)
    form = _mapping_form(request, job, request.POST)
    if form.is_valid():
        try:
            job = jobs.import_check_start(actor=request.user, job=job, mapping=form.mapping())
        except ApplicationError as exc:
            if exc.code == "invalid_mapping":
                apply_errors(form, exc)
            else:
                messages.error(request, exc.message)
                return redirect("clients-io:import-detail", import_id=job.pk)
        else:
            return redirect("clients-io:import-detail", import_id=job.pk)
    return _render_detail(request, job, mapping_form=form, status=400)


@require_GET
@role_required(*DESK)
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """Polled by htmx every second while the worker goes through the file."""
    job = _job_as_it_stands(request, import_id)
    if not request.headers.get("HX-Request"):
        return redirect("clients-io:import-detail", import_id=job.pk)
    if not job.is_running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the next step is a different page
        return response
    return render(request, "clients/io/import_detail.html#progress", {"job": job})


@require_POST
@role_required(*DESK)
def import_commit(request: HttpRequest, import_id: int) -> HttpResponse:
    """Step 4: import every row (only when none has errors) or only the valid ones."""
    job = _job_or_404(request, import_id)
    form = ImportCommitForm(request.POST)
    mode = form.cleaned_data["mode"] if form.is_valid() else ""
    try:
        job = jobs.import_commit_start(actor=request.user, job=job, mode=mode)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportStatus.DONE:
            count = job.imported_rows
            messages.success(request, f"{count:,} client{'s' if count != 1 else ''} imported.")
    return redirect("clients-io:import-detail", import_id=job.pk)


@require_POST
@role_required(*DESK)
def import_cancel(request: HttpRequest, import_id: int) -> HttpResponse:
    job = _job_or_404(request, import_id)
    try:
        jobs.import_cancel(actor=request.user, job=job)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("clients-io:import-detail", import_id=job.pk)
    messages.success(request, f"Import of “{job.file_name}” cancelled; the file was deleted.")
    return redirect("clients-io:import")


@require_GET
@role_required(*DESK)
def import_errors_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    """Every problem found in the file, as CSV, to fix the file in a spreadsheet."""
    job = _job_or_404(request, import_id)
    errors = jobs.import_errors(user=request.user, job=job)
    audit_record(
        actor=request.user,
        action="client_import.errors_export",
        target=job,
        changes={"rows": job.error_count},
    )
    rows = (
        (error.row, error.column, error.message)
        for error in errors.only("row", "column", "message").iterator(csv_io.QUERY_CHUNK_SIZE)
    )
    chunks = csv_io.csv_chunks(("Row", "Column", "Problem"), rows)
    return _csv_response(request, chunks, f"import-{job.pk}-errors.csv")
