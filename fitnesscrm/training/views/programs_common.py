"""What every builder view shares: loading a program and its parts for the acting user, the
week panel's context (with a refused change's forms and messages in place), and the
answers after a change: the fragment for htmx, a redirect or the page again otherwise."""

from dataclasses import dataclass, field

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fitnesscrm.core.errors import ApplicationError, Conflict
from fitnesscrm.core.pages import found_or_404, refuse
from fitnesscrm.training.forms.programs import (
    DayForm,
    ExerciseOptionsForm,
    ProgramForm,
    SetForm,
)
from fitnesscrm.training.models import Program, ProgramDay, ProgramExercise, ProgramSet
from fitnesscrm.training.models.programs import MAX_WEEKS
from fitnesscrm.training.selectors import programs as selectors
from fitnesscrm.training.selectors.exercises import exercise_list

PICKER_SIZE = 10
PANEL = "training/programs/_week_panel.html"


def is_fragment(request: HttpRequest) -> bool:
    headers = request.headers
    return bool(
        headers.get("HX-Request")
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )


def load_program(request: HttpRequest, pk: int) -> Program:
    return found_or_404(selectors.program_get, user=request.user, program_id=pk)


def one(queryset, **lookup):
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404("Not in this program.")
    return found


def day_of(program: Program, day_id: int) -> ProgramDay:
    return one(ProgramDay.objects.select_related("week"), pk=day_id, week__program=program)


def entry_of(program: Program, entry_id: int) -> ProgramExercise:
    return one(
        ProgramExercise.objects.select_related("day__week", "exercise"),
        pk=entry_id,
        day__week__program=program,
    )


def set_of(program: Program, set_id: int) -> ProgramSet:
    return one(
        ProgramSet.objects.select_related(
            "program_exercise__day__week", "program_exercise__exercise"
        ),
        pk=set_id,
        program_exercise__day__week__program=program,
    )


def attach(program: Program, obj) -> None:
    """Point the object's chain at the program already loaded (no query to read it again)."""
    week = getattr(obj, "week", None)
    if week is not None:
        week.program = program


# --- Building the page ------------------------------------------------------------------------


@dataclass
class Overlay:
    """What a refused action puts back on the page: bound forms and messages in place."""

    forms: dict = field(default_factory=dict)  # ("set"|"entry"|"day", pk) -> bound form
    day_errors: dict = field(default_factory=dict)  # day pk -> message
    panel_error: str = ""


def set_form(row: ProgramSet, tracking: str, data=None) -> SetForm:
    initial = {
        name: getattr(row, name)
        for name in ("reps_min", "reps_max", "load", "load_unit", "rpe", "rir", "tempo",
                     "rest_seconds", "duration_seconds", "distance_m", "is_warmup")
    }  # fmt: skip
    form = SetForm(data, initial=initial, tracking=tracking, auto_id=f"set{row.pk}-%s")
    return form


def entry_form(entry: ProgramExercise, data=None) -> ExerciseOptionsForm:
    initial = {
        "superset": entry.superset,
        "progression_step": entry.progression_step,
        "notes": entry.notes,
    }
    return ExerciseOptionsForm(data, initial=initial, auto_id=f"entry{entry.pk}-%s")


def day_form(day: ProgramDay, data=None) -> DayForm:
    return DayForm(data, initial={"name": day.name, "notes": day.notes}, auto_id=f"day{day.pk}-%s")


def panel_context(
    request: HttpRequest, program: Program, week_number: int | None, overlay: Overlay | None = None
) -> dict:
    """The week panel's context: week tabs, the week's days, exercises, sets and their forms.

    A fixed number of queries: the weeks, then the week's days, exercises and sets.
    """
    overlay = overlay or Overlay()
    weeks = list(program.weeks.order_by("number"))
    week = next((w for w in weeks if w.number == week_number), weeks[0] if weeks else None)
    days = selectors.week_days(week) if week is not None else []
    for day in days:
        day.form = overlay.forms.get(("day", day.pk)) or day_form(day)
        day.error = overlay.day_errors.get(day.pk, "")
        day.entries = list(day.exercises.all())
        for entry in day.entries:
            entry.form = overlay.forms.get(("entry", entry.pk)) or entry_form(entry)
            entry.other_days = [d for d in days if d.pk != day.pk]
            entry.rows = list(entry.sets.all())
            for row in entry.rows:
                row.form = overlay.forms.get(("set", row.pk)) or set_form(
                    row, entry.exercise.tracking
                )
    return {
        "program": program,
        "weeks": weeks,
        "week": week,
        "days": days,
        "panel_error": overlay.panel_error,
        "max_weeks": MAX_WEEKS,
        "editable": program.archived_at is None,
    }


def builder_url(program: Program, week_number: int | None = None, anchor: str = "") -> str:
    url = reverse("programs:builder", args=[program.pk])
    if week_number:
        url += f"?week={week_number}"
    return url + (f"#{anchor}" if anchor else "")


def week_param(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("week") or request.POST.get("week") or 0) or None
    except ValueError:
        return None


def render_builder(
    request: HttpRequest,
    program: Program,
    week_number: int | None,
    *,
    overlay: Overlay | None = None,
    details_form: ProgramForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = panel_context(request, program, week_number, overlay)
    if is_fragment(request):
        return render(request, PANEL, context, status=status)
    pick = request.GET.get("pick")
    q = request.GET.get("q", "").strip()[:100]
    if pick and pick.isdigit():
        context["pick_day"] = int(pick)
        context["pick_q"] = q
        context["pick_results"] = picker_results(request.user, q)
    if details_form is None:
        details_form = ProgramForm(
            initial={
                "name": program.name,
                "description": program.description,
                "tags": ", ".join(t.name for t in program.tags.all()),
                "is_template": program.is_template,
            },
            client_copy=program.is_client_copy,
        )
    context["details_form"] = details_form
    return render(request, "training/programs/builder.html", context, status=status)


def picker_results(user, q: str) -> list:
    return list(exercise_list(user=user, q=q)[:PICKER_SIZE])


def done(request: HttpRequest, program: Program, week_number: int | None, anchor: str = ""):
    """After a change: the week panel again (htmx) or back to the builder."""
    if is_fragment(request):
        return render(request, PANEL, panel_context(request, program, week_number))
    return redirect(builder_url(program, week_number, anchor))


def refused(
    request: HttpRequest,
    program: Program,
    week_number: int | None,
    exc: ApplicationError,
    overlay: Overlay,
) -> HttpResponse:
    refuse(exc)
    status = 409 if isinstance(exc, Conflict) else 400
    return render_builder(request, program, week_number, overlay=overlay, status=status)
