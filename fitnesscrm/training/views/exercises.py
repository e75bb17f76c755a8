"""Pages of the exercise library: search and filters, an exercise, and the business's own ones.

Owners, managers, trainers and clients read the library; owners, managers and trainers
add and change the business's own exercises; the front desk sees none of it.
"""

import mimetypes
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.pages import apply_errors, found_or_404, refuse
from fitnesscrm.core.permissions import manages_staff, role_required
from fitnesscrm.training.access import COACHING_ROLES, TRAINING_ROLES
from fitnesscrm.training.forms.exercises import ExerciseFilterForm, ExerciseForm
from fitnesscrm.training.selectors.exercises import (
    equipment_list,
    exercise_get,
    exercise_list,
    keeps_library,
    muscle_group_list,
)
from fitnesscrm.training.services import exercises as services

PER_PAGE = 30
READERS = tuple(TRAINING_ROLES)
COACHES = tuple(COACHING_ROLES)
_STEP_NUMBER = re.compile(r"^\s*\d+[.)]\s*")


def _is_fragment(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def instruction_steps(text: str) -> list[str]:
    """The instructions as a list of steps: one a line, without their numbers."""
    return [_STEP_NUMBER.sub("", line).strip() for line in text.splitlines() if line.strip()]


def _can_archive(user, exercise) -> bool:
    return keeps_library(user) and (exercise.is_custom or manages_staff(user))


@require_GET
@role_required(*READERS)
def exercise_list_page(request: HttpRequest) -> HttpResponse:
    """The library by name, searched and filtered by GET parameters (htmx swaps the results)."""
    muscles = list(muscle_group_list())
    equipment = list(equipment_list())
    form = ExerciseFilterForm(request.GET, muscles=muscles, equipment=equipment)
    filters = form.filters()
    coach = keeps_library(request.user)
    include_archived = coach and request.GET.get("archived") == "1"
    exercises = exercise_list(user=request.user, include_archived=include_archived, **filters)
    page = Paginator(exercises, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": _query_without_page(request),
        "filtered": any(filters.values()) or include_archived,
        "can_add": coach,
        "include_archived": include_archived,
    }
    template = (
        "training/exercises/list.html#results"
        if _is_fragment(request)
        else "training/exercises/list.html"
    )
    return render(request, template, context)


@require_GET
@role_required(*READERS)
def exercise_detail(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = found_or_404(exercise_get, user=request.user, exercise_id=exercise_id)
    return render(
        request,
        "training/exercises/detail.html",
        {
            "exercise": exercise,
            "steps": instruction_steps(exercise.instructions),
            "can_edit": keeps_library(request.user) and exercise.is_custom,
            "can_archive": _can_archive(request.user, exercise),
        },
    )


@require_GET
@role_required(*READERS)
def exercise_image(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """An exercise's picture, to those who may read the library."""
    exercise = found_or_404(exercise_get, user=request.user, exercise_id=exercise_id)
    if not exercise.image:
        raise Http404("No image.")
    try:
        handle = exercise.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No image.") from exc
    content_type = mimetypes.guess_type(exercise.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _render_form(request, form, exercise=None, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "training/exercises/form.html",
        {"form": form, "exercise": exercise},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def exercise_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_form(request, ExerciseForm())
    form = ExerciseForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            exercise = services.exercise_create(
                actor=request.user,
                image=form.cleaned_data.get("image"),
                **form.service_fields(),
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, f"“{exercise.name}” was added to the library.")
            return redirect("exercises:detail", exercise_id=exercise.pk)
    return _render_form(request, form, status=400)


@require_http_methods(["GET", "POST"])
@role_required(*COACHES)
def exercise_edit(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = found_or_404(exercise_get, user=request.user, exercise_id=exercise_id)
    if not exercise.is_custom:
        raise PermissionDenied(services.SHIPPED)
    if request.method != "POST":
        return _render_form(request, ExerciseForm(instance=exercise), exercise)
    form = ExerciseForm(request.POST, request.FILES, instance=exercise)
    if form.is_valid():
        try:
            services.exercise_update(
                actor=request.user,
                exercise=exercise,
                image=form.cleaned_data.get("image"),
                remove_image=bool(form.cleaned_data.get("remove_image")),
                **form.service_fields(),
            )
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "The exercise was saved.")
            return redirect("exercises:detail", exercise_id=exercise.pk)
    return _render_form(request, form, exercise, status=400)


def _archive_action(request: HttpRequest, exercise_id: int, action, done: str) -> HttpResponse:
    exercise = found_or_404(exercise_get, user=request.user, exercise_id=exercise_id)
    try:
        action(actor=request.user, exercise=exercise)
    except ApplicationError as exc:
        refuse(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(name=exercise.name))
    return redirect("exercises:detail", exercise_id=exercise.pk)


@require_POST
@role_required(*COACHES)
def exercise_archive(request: HttpRequest, exercise_id: int) -> HttpResponse:
    return _archive_action(
        request,
        exercise_id,
        services.exercise_archive,
        "“{name}” is archived: it no longer shows in the library or the program builder.",
    )


@require_POST
@role_required(*COACHES)
def exercise_restore(request: HttpRequest, exercise_id: int) -> HttpResponse:
    return _archive_action(
        request, exercise_id, services.exercise_restore, "“{name}” is back in the library."
    )
