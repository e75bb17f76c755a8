"""The program builder: one week at a time, days as cards, exercises dragged into order.

Every action is a plain POST that redirects back to the builder; sent by htmx it answers
with the fragment that changed instead (the week panel, or one set's row), and a refusal
comes back in that fragment with the message where the change was made (status 400).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.core.errors import ApplicationError, Conflict
from fitnesscrm.core.pages import apply_errors, refuse
from fitnesscrm.core.permissions import role_required
from fitnesscrm.training.access import COACHING_ROLES
from fitnesscrm.training.forms.programs import ProgramForm
from fitnesscrm.training.selectors.exercises import exercise_get
from fitnesscrm.training.services import programs as services
from fitnesscrm.training.views.programs_common import (
    Overlay,
    attach,
    builder_url,
    day_form,
    day_of,
    done,
    entry_form,
    entry_of,
    is_fragment,
    load_program,
    one,
    picker_results,
    refused,
    render_builder,
    set_form,
    set_of,
    week_param,
)

# --- The page ---------------------------------------------------------------------------------


@require_GET
@role_required(*COACHING_ROLES)
def builder(request: HttpRequest, pk: int) -> HttpResponse:
    program = load_program(request, pk)
    return render_builder(request, program, week_param(request))


@require_GET
@role_required(*COACHING_ROLES)
def picker(request: HttpRequest, pk: int, day_id: int) -> HttpResponse:
    """Exercises matching `q` to add to a day: a fragment for htmx, else the builder with them."""
    program = load_program(request, pk)
    day = day_of(program, day_id)
    q = request.GET.get("q", "").strip()[:100]
    if not is_fragment(request):
        url = builder_url(program, day.week.number)
        joiner = "&" if "?" in url else "?"
        return redirect(f"{url}{joiner}pick={day.pk}&q={q}#day-{day.pk}")
    return render(
        request,
        "training/programs/_picker.html",
        {"program": program, "day": day, "pick_results": picker_results(request.user, q),
         "pick_q": q},
    )  # fmt: skip


# --- Weeks and days ---------------------------------------------------------------------------


@require_POST
@role_required(*COACHING_ROLES)
def week_add(request: HttpRequest, pk: int) -> HttpResponse:
    program = load_program(request, pk)
    try:
        week = services.week_add(actor=request.user, program=program)
    except ApplicationError as exc:
        return refused(request, program, week_param(request), exc, Overlay(panel_error=exc.message))
    return done(request, program, week.number)


@require_POST
@role_required(*COACHING_ROLES)
def week_copy(request: HttpRequest, pk: int, week_id: int) -> HttpResponse:
    program = load_program(request, pk)
    week = one(program.weeks.all(), pk=week_id)
    week.program = program
    try:
        copy = services.week_copy(actor=request.user, week=week)
    except ApplicationError as exc:
        return refused(request, program, week.number, exc, Overlay(panel_error=exc.message))
    return done(request, program, copy.number)


@require_POST
@role_required(*COACHING_ROLES)
def week_remove(request: HttpRequest, pk: int, week_id: int) -> HttpResponse:
    program = load_program(request, pk)
    week = one(program.weeks.all(), pk=week_id)
    week.program = program
    try:
        services.week_remove(actor=request.user, week=week)
    except ApplicationError as exc:
        return refused(request, program, week.number, exc, Overlay(panel_error=exc.message))
    return done(request, program, max(1, week.number - 1))


@require_POST
@role_required(*COACHING_ROLES)
def day_add(request: HttpRequest, pk: int, week_id: int) -> HttpResponse:
    program = load_program(request, pk)
    week = one(program.weeks.all(), pk=week_id)
    week.program = program
    try:
        day = services.day_add(actor=request.user, week=week)
    except ApplicationError as exc:
        return refused(request, program, week.number, exc, Overlay(panel_error=exc.message))
    return done(request, program, week.number, f"day-{day.pk}")


@require_POST
@role_required(*COACHING_ROLES)
def day_update(request: HttpRequest, pk: int, day_id: int) -> HttpResponse:
    program = load_program(request, pk)
    day = day_of(program, day_id)
    attach(program, day)
    form = day_form(day, request.POST)
    if form.is_valid():
        try:
            services.day_update(actor=request.user, day=day, **form.cleaned_data)
        except ApplicationError as exc:
            apply_errors(form, exc)
            return refused(request, program, day.week.number, exc,
                           Overlay(forms={("day", day.pk): form}))  # fmt: skip
        return done(request, program, day.week.number, f"day-{day.pk}")
    return render_builder(
        request, program, day.week.number, overlay=Overlay(forms={("day", day.pk): form}),
        status=400,
    )  # fmt: skip


@require_POST
@role_required(*COACHING_ROLES)
def day_remove(request: HttpRequest, pk: int, day_id: int) -> HttpResponse:
    program = load_program(request, pk)
    day = day_of(program, day_id)
    attach(program, day)
    try:
        services.day_remove(actor=request.user, day=day)
    except ApplicationError as exc:
        return refused(request, program, day.week.number, exc,
                       Overlay(day_errors={day.pk: exc.message}))  # fmt: skip
    return done(request, program, day.week.number)


# --- Exercises --------------------------------------------------------------------------------


@require_POST
@role_required(*COACHING_ROLES)
def exercise_add(request: HttpRequest, pk: int, day_id: int) -> HttpResponse:
    program = load_program(request, pk)
    day = day_of(program, day_id)
    attach(program, day)
    overlay = Overlay()
    try:
        exercise_id = int(request.POST.get("exercise", ""))
        exercise = exercise_get(user=request.user, exercise_id=exercise_id)
        entry = services.program_exercise_add(actor=request.user, day=day, exercise=exercise)
    except ValueError:
        overlay.day_errors[day.pk] = "Choose an exercise to add."
        return render_builder(request, program, day.week.number, overlay=overlay, status=400)
    except ApplicationError as exc:
        if exc.status == 404 and exc.message == "No such exercise.":
            overlay.day_errors[day.pk] = "That exercise is not in the library."
            return render_builder(request, program, day.week.number, overlay=overlay, status=400)
        overlay.day_errors[day.pk] = exc.message
        return refused(request, program, day.week.number, exc, overlay)
    return done(request, program, day.week.number, f"entry-{entry.pk}")


def _order(request: HttpRequest) -> list[int]:
    values = []
    for raw in request.POST.getlist("order"):
        values += [part for part in raw.split(",") if part.strip()]
    return [int(value) for value in values]


@require_POST
@role_required(*COACHING_ROLES)
def exercise_reorder(request: HttpRequest, pk: int, day_id: int) -> HttpResponse:
    """The drop of a drag: `order` lists the day's exercises (ids) in their new order."""
    program = load_program(request, pk)
    day = day_of(program, day_id)
    attach(program, day)
    overlay = Overlay()
    try:
        order = _order(request)
    except ValueError:
        overlay.day_errors[day.pk] = "The new order could not be read; reload the page."
        return render_builder(request, program, day.week.number, overlay=overlay, status=400)
    try:
        services.program_exercise_reorder(actor=request.user, day=day, order=order)
    except ApplicationError as exc:
        if exc.status == 404 and exc.errors:
            # An id of another program: the order is refused here, not the page.
            overlay.day_errors[day.pk] = exc.message
            return render_builder(request, program, day.week.number, overlay=overlay, status=400)
        overlay.day_errors[day.pk] = exc.message
        return refused(request, program, day.week.number, exc, overlay)
    return done(request, program, day.week.number, f"day-{day.pk}")


@require_POST
@role_required(*COACHING_ROLES)
def exercise_move(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Up, down, or to another day of the week (the buttons beside the drag handle)."""
    program = load_program(request, pk)
    entry = entry_of(program, entry_id)
    attach(program, entry.day)
    week_number = entry.day.week.number
    direction = request.POST.get("direction")
    target = None
    position = None
    if request.POST.get("day"):
        try:
            target = day_of(program, int(request.POST["day"]))
        except (ValueError, Http404):
            overlay = Overlay(day_errors={entry.day_id: "Choose a day of this program."})
            return render_builder(request, program, week_number, overlay=overlay, status=400)
        attach(program, target)
    elif direction in ("up", "down"):
        position = max(1, entry.position + (-1 if direction == "up" else 1))
    else:
        overlay = Overlay(day_errors={entry.day_id: "Choose where to move the exercise."})
        return render_builder(request, program, week_number, overlay=overlay, status=400)
    try:
        services.program_exercise_move(
            actor=request.user, program_exercise=entry, day=target, position=position
        )
    except ApplicationError as exc:
        overlay = Overlay(day_errors={entry.day_id: exc.message})
        return refused(request, program, week_number, exc, overlay)
    day = target or entry.day
    return done(request, program, day.week.number, f"entry-{entry.pk}")


@require_POST
@role_required(*COACHING_ROLES)
def exercise_update(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """Superset letter, weekly progression and notes of one exercise."""
    program = load_program(request, pk)
    entry = entry_of(program, entry_id)
    attach(program, entry.day)
    week_number = entry.day.week.number
    form = entry_form(entry, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("progression_step") is None:
            data["progression_step"] = 0
        try:
            services.program_exercise_update(actor=request.user, program_exercise=entry, **data)
        except ApplicationError as exc:
            apply_errors(form, exc)
            return refused(request, program, week_number, exc,
                           Overlay(forms={("entry", entry.pk): form}))  # fmt: skip
        return done(request, program, week_number, f"entry-{entry.pk}")
    overlay = Overlay(forms={("entry", entry.pk): form})
    return render_builder(request, program, week_number, overlay=overlay, status=400)


@require_POST
@role_required(*COACHING_ROLES)
def exercise_remove(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    program = load_program(request, pk)
    entry = entry_of(program, entry_id)
    attach(program, entry.day)
    week_number = entry.day.week.number
    try:
        services.program_exercise_remove(actor=request.user, program_exercise=entry)
    except ApplicationError as exc:
        return refused(request, program, week_number, exc,
                       Overlay(day_errors={entry.day_id: exc.message}))  # fmt: skip
    return done(request, program, week_number, f"day-{entry.day_id}")


# --- Sets -------------------------------------------------------------------------------------


@require_POST
@role_required(*COACHING_ROLES)
def set_add(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    """A new set like the last one."""
    program = load_program(request, pk)
    entry = entry_of(program, entry_id)
    attach(program, entry.day)
    week_number = entry.day.week.number
    try:
        services.program_set_copy_last(actor=request.user, program_exercise=entry)
    except ApplicationError as exc:
        return refused(request, program, week_number, exc,
                       Overlay(day_errors={entry.day_id: exc.message}))  # fmt: skip
    return done(request, program, week_number, f"entry-{entry.pk}")


def _set_row(request, program, row, form, *, status=200, saved=False) -> HttpResponse:
    return render(
        request,
        "training/programs/_set.html",
        {"program": program, "row": row, "form": form, "saved": saved},
        status=status,
    )


@require_POST
@role_required(*COACHING_ROLES)
def set_update(request: HttpRequest, pk: int, set_id: int) -> HttpResponse:
    """One set's prescription, each field checked; htmx gets the set's row back."""
    program = load_program(request, pk)
    row = set_of(program, set_id)
    entry = row.program_exercise
    attach(program, entry.day)
    week_number = entry.day.week.number
    tracking = entry.exercise.tracking
    form = set_form(row, tracking, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.program_set_update(actor=request.user, program_set=row, **form.cleaned_data)
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            if is_fragment(request):
                return _set_row(request, program, row, set_form(row, tracking), saved=True)
            return redirect(builder_url(program, week_number, f"set-{row.pk}"))
    if is_fragment(request):
        return _set_row(request, program, row, form, status=status)
    overlay = Overlay(forms={("set", row.pk): form})
    return render_builder(request, program, week_number, overlay=overlay, status=status)


@require_POST
@role_required(*COACHING_ROLES)
def set_remove(request: HttpRequest, pk: int, set_id: int) -> HttpResponse:
    program = load_program(request, pk)
    row = set_of(program, set_id)
    entry = row.program_exercise
    attach(program, entry.day)
    week_number = entry.day.week.number
    try:
        services.program_set_remove(actor=request.user, program_set=row)
    except ApplicationError as exc:
        return refused(request, program, week_number, exc,
                       Overlay(day_errors={entry.day_id: exc.message}))  # fmt: skip
    return done(request, program, week_number, f"entry-{entry.pk}")


@require_http_methods(["POST"])
@role_required(*COACHING_ROLES)
def details(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, description, tags and the template flag (the builder's "Details")."""
    program = load_program(request, pk)
    form = ProgramForm(request.POST, client_copy=program.is_client_copy)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.program_update(actor=request.user, program=program, **data)
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            return redirect(builder_url(program))
    return render_builder(request, program, None, details_form=form, status=400)
