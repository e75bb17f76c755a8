"""Program pages: the library, a new program, copies and templates, archiving, a client's
programs with the assignment form, and ending a client's copy. The builder is in
`programs_builder`."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.pages import apply_errors, found_or_404, refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.training.access import COACHING_ROLES
from fitnesscrm.training.forms.programs import AssignForm, LibraryFilterForm, ProgramForm
from fitnesscrm.training.selectors import programs as selectors
from fitnesscrm.training.services import programs as services
from fitnesscrm.training.views.programs_common import builder_url, load_program

PAGE_SIZE = 25


@require_GET
@role_required(*COACHING_ROLES)
def library(request: HttpRequest) -> HttpResponse:
    """The business's programs: search by name, filter by tag or templates, 25 a page."""
    tags = list(selectors.program_tags())
    form = LibraryFilterForm(request.GET or None, tags=tags)
    filters = form.cleaned_data if form.is_valid() else {}
    programs = selectors.program_library(
        user=request.user,
        q=filters.get("q", ""),
        tag=filters.get("tag", ""),
        templates_only=bool(filters.get("templates")),
    )
    page = Paginator(programs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "training/programs/library.html",
        {"form": form, "page": page, "query": query, "filtered": bool(query)},
    )


@require_http_methods(["GET", "POST"])
@role_required(*COACHING_ROLES)
def create(request: HttpRequest) -> HttpResponse:
    form = ProgramForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, f"“{program.name}” created: add its exercises.")
            return redirect(builder_url(program))
    return render(
        request,
        "training/programs/new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _after(request: HttpRequest, program, exc: ApplicationError | None, success: str):
    if exc is not None:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@require_POST
@role_required(*COACHING_ROLES)
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    program = load_program(request, pk)
    try:
        new = services.program_copy(actor=request.user, program=program)
    except ApplicationError as exc:
        _after(request, program, exc, "")
        return redirect(builder_url(program))
    messages.success(request, f"Copied: this is “{new.name}”, a new program of the library.")
    return redirect(builder_url(new))


@require_POST
@role_required(*COACHING_ROLES)
def save_as_template(request: HttpRequest, pk: int) -> HttpResponse:
    program = load_program(request, pk)
    try:
        template = services.program_save_as_template(actor=request.user, program=program)
    except ApplicationError as exc:
        _after(request, program, exc, "")
        return redirect(builder_url(program))
    messages.success(request, f"Saved as a template of the library: “{template.name}”.")
    return redirect(builder_url(template))


@require_POST
@role_required(*COACHING_ROLES)
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    program = load_program(request, pk)
    try:
        services.program_archive(actor=request.user, program=program)
    except ApplicationError as exc:
        _after(request, program, exc, "")
        return redirect(builder_url(program))
    messages.success(request, f"“{program.name}” archived.")
    if program.client_id:
        return redirect(reverse("programs:client", args=[program.client_id]))
    return redirect(reverse("programs:list"))


@require_POST
@role_required(*COACHING_ROLES)
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop or complete a client's active copy (`action` = stop | complete)."""
    program = load_program(request, pk)
    action = request.POST.get("action")
    change = {"stop": services.program_stop, "complete": services.program_complete}.get(action)
    if change is None:
        messages.error(request, "Choose to stop or to complete the program.")
        return redirect(builder_url(program))
    try:
        change(actor=request.user, program=program)
    except ApplicationError as exc:
        _after(request, program, exc, "")
    else:
        done = "stopped" if action == "stop" else "marked as completed"
        messages.success(request, f"“{program.name}” {done}.")
    return redirect(builder_url(program))


@require_http_methods(["GET", "POST"])
@role_required(*COACHING_ROLES)
def client_programs(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's copies, newest first, and the form that assigns a program to them."""
    client = found_or_404(selectors.client_for_programs, user=request.user, client_id=client_id)
    choices = selectors.program_library(user=request.user)
    form = AssignForm(request.POST or None, programs=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            copy = services.program_assign(
                actor=request.user,
                program=data["program"],
                client=client,
                start_date=data["start_date"],
                end_date=data.get("end_date"),
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"“{copy.name}” assigned to {client.full_name}, from "
                f"{copy.start_date:%-d %b %Y}. Change their copy as you like: the "
                "original stays as it is.",
            )
            return redirect(reverse("programs:client", args=[client.pk]))
    programs = selectors.client_programs(user=request.user, client_id=client.pk)
    page = Paginator(programs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/programs/client.html",
        {"client": client, "form": form, "page": page, "query": ""},
        status=400 if form.errors else 200,
    )
