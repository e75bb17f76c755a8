"""Pages of trainers and staff: thin adapters over trainers.selectors and trainers.services."""

from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.clients import selectors as client_selectors
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.permissions import manages_staff, role_of, role_required
from fitnesscrm.core.roles import MANAGEMENT_ROLES, STAFF_ROLES, Role
from fitnesscrm.trainers import selectors, services
from fitnesscrm.trainers.forms import (
    PER_PAGE_CHOICES,
    CertificationForm,
    StaffCreateForm,
    StaffFilterForm,
    TrainerCreateForm,
    TrainerFilterForm,
    TrainerProfileForm,
)
from fitnesscrm.trainers.models import Trainer

# How many of a trainer's clients the profile page lists (the client list has the rest).
CLIENTS_ON_PROFILE = 25
STAFF_PAGE_SIZE = 25


def _is_fragment(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _get_trainer(user, trainer_id: int) -> Trainer:
    try:
        return selectors.trainer_get(user=user, trainer_id=trainer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _put_errors(form, exc: ApplicationError, *, default_field: str | None = None) -> None:
    """The service's field errors at their fields (or the form's top when it has none)."""
    placed = False
    for error in exc.errors:
        field = error.get("field")
        field = {"hourly_rate_minor": "hourly_rate"}.get(field, field)
        if field in form.fields:
            form.add_error(field, error.get("message") or exc.message)
            placed = True
    if not placed:
        form.add_error(default_field if default_field in form.fields else None, exc.message)


def _can_edit_profile(user, trainer: Trainer) -> bool:
    return manages_staff(user) or trainer.user_id == user.pk


def _require_editor(user, trainer: Trainer) -> None:
    # The profile is visible to every staff member, so this is a refusal, not a 404.
    if not _can_edit_profile(user, trainer):
        raise PermissionDenied("Only owners, managers and the trainer themselves edit a profile.")


def _site(request: HttpRequest) -> dict:
    return {"domain": get_current_site(request).domain, "use_https": request.is_secure()}


# --- Trainers ---------------------------------------------------------------------------


@require_GET
@role_required(*STAFF_ROLES)
def trainer_list(request: HttpRequest) -> HttpResponse:
    show_rates = manages_staff(request.user)
    specializations = list(selectors.specialization_list())
    form = TrainerFilterForm(request.GET, specializations=specializations, show_rates=show_rates)
    filters = form.filters()
    if not show_rates and filters["sort"].endswith("rate"):
        filters["sort"] = "name"
    per_page = filters.pop("per_page")
    trainers = selectors.trainer_list(user=request.user, **filters)
    page = Paginator(trainers, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for trainer in page.object_list:
        # From the prefetched certifications: no query per row.
        certs = list(trainer.certifications.all())
        trainer.cert_alerts = [c for c in certs if c.is_expired or c.is_expiring]
        trainer.cert_count = len(certs)
    context = {
        "form": form,
        "page": page,
        "query": _query_without_page(request),
        "show_rates": show_rates,
        "can_manage": show_rates,
        "filtered": bool(
            filters["q"] or filters["specialization_id"] or filters["active"] is not True
        ),
        "per_page_choices": PER_PAGE_CHOICES,
        "today": timezone.localdate(),
        "me": request.user.pk,
    }
    template = "trainers/list.html#results" if _is_fragment(request) else "trainers/list.html"
    return render(request, template, context)


@require_GET
@role_required(*STAFF_ROLES)
def trainer_detail(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _get_trainer(request.user, trainer_id)
    return _render_detail(request, trainer)


def _render_detail(request, trainer: Trainer, *, cert_form=None, status: int = 200):
    clients = client_selectors.client_list(user=request.user, trainer_id=trainer.pk)
    shown = list(clients[: CLIENTS_ON_PROFILE + 1])
    can_edit = _can_edit_profile(request.user, trainer)
    context = {
        "trainer": trainer,
        "clients": shown[:CLIENTS_ON_PROFILE],
        "more_clients": len(shown) > CLIENTS_ON_PROFILE,
        "can_edit": can_edit,
        "can_manage": manages_staff(request.user),
        "show_rate": can_edit,
        "is_me": trainer.user_id == request.user.pk,
        "cert_form": cert_form or CertificationForm(),
        "certifications": list(trainer.certifications.all()),
        "today": timezone.localdate(),
    }
    return render(request, "trainers/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*MANAGEMENT_ROLES)
def trainer_create(request: HttpRequest) -> HttpResponse:
    accounts = selectors.staff_without_profile(user=request.user)
    initial = {}
    if request.method == "GET" and request.GET.get("user", "").isdigit():
        initial["user"] = accounts.filter(pk=int(request.GET["user"])).first()
    form = TrainerCreateForm(
        request.POST or None, accounts=accounts, actor=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = data["user"]
                if user is None:
                    user = services.staff_create(
                        actor=request.user,
                        email=data["email"],
                        full_name=" ".join(data["full_name"].split()),
                        role=data["role"],
                    )
                    services.staff_invite(actor=request.user, user=user, **_site(request))
                trainer = services.trainer_create(actor=request.user, user=user, **form.profile())
        except ApplicationError as exc:
            _put_errors(form, exc, default_field="email" if data["user"] is None else "user")
        else:
            note = (
                ""
                if data["user"]
                else f" An email to set a password is on its way to {user.email}."
            )
            messages.success(request, f"Trainer profile for {trainer} created.{note}")
            return redirect("trainers:detail", trainer_id=trainer.pk)
    status = 400 if form.errors else 200
    return render(request, "trainers/create.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def trainer_edit(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _get_trainer(request.user, trainer_id)
    _require_editor(request.user, trainer)
    full = manages_staff(request.user)
    initial = {
        "bio": trainer.bio,
        "specializations": [s.name for s in trainer.specializations.all()],
        "hourly_rate": trainer.hourly_rate_minor or None,
        "colour": trainer.colour,
        "is_active": trainer.is_active,
    }
    form = TrainerProfileForm(request.POST or None, initial=initial, full=full)
    if request.method == "POST" and form.is_valid():
        values = form.profile()
        if full:
            values["is_active"] = form.cleaned_data["is_active"]
        try:
            services.trainer_update(actor=request.user, trainer=trainer, **values)
        except ApplicationError as exc:
            _put_errors(form, exc, default_field="bio")
        else:
            messages.success(request, f"Profile of {trainer} saved.")
            return redirect("trainers:detail", trainer_id=trainer.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "trainer": trainer, "full": full}
    return render(request, "trainers/edit.html", context, status=status)


@require_POST
@role_required(*STAFF_ROLES)
def certification_add(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _get_trainer(request.user, trainer_id)
    _require_editor(request.user, trainer)
    form = CertificationForm(request.POST)
    if form.is_valid():
        try:
            cert = services.certification_add(
                actor=request.user, trainer=trainer, **form.cleaned_data
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            _put_errors(form, exc, default_field="name")
        else:
            messages.success(request, f"Certification “{cert.name}” added.")
            return redirect("trainers:detail", trainer_id=trainer.pk)
    return _render_detail(request, trainer, cert_form=form, status=400)


@require_POST
@role_required(*STAFF_ROLES)
def certification_delete(request: HttpRequest, trainer_id: int, cert_id: int) -> HttpResponse:
    trainer = _get_trainer(request.user, trainer_id)
    _require_editor(request.user, trainer)
    try:
        services.certification_remove(
            actor=request.user, certification_id=cert_id, trainer_id=trainer.pk
        )
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Certification removed.")
    return redirect("trainers:detail", trainer_id=trainer.pk)


# --- Staff accounts ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*MANAGEMENT_ROLES)
def staff(request: HttpRequest) -> HttpResponse:
    create_form = StaffCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and create_form.is_valid():
        data = create_form.cleaned_data
        try:
            with transaction.atomic():
                user = services.staff_create(
                    actor=request.user,
                    email=data["email"],
                    full_name=data["full_name"],
                    role=data["role"],
                )
                services.staff_invite(actor=request.user, user=user, **_site(request))
        except ApplicationError as exc:
            field = "role" if exc.code in ("forbidden", "invalid_role") else "email"
            _put_errors(create_form, exc, default_field=field)
        else:
            messages.success(
                request,
                f"Staff account for {user} created. An email to choose a password is on its "
                f"way to {user.email}.",
            )
            return redirect("trainers:staff")
    filter_form = StaffFilterForm(request.GET)
    accounts = selectors.staff_list(user=request.user, **filter_form.filters())
    page = Paginator(accounts, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": create_form,
        "filter_form": filter_form,
        "page": page,
        "query": _query_without_page(request),
        "is_owner": role_of(request.user) == Role.OWNER,
    }
    status = 400 if create_form.errors else 200
    return render(request, "trainers/staff.html", context, status=status)


def _staff_account(actor, user_id: int):
    account = selectors.staff_list(user=actor).filter(pk=user_id).first()
    if account is None:
        raise Http404("No such staff account.")
    return account


@require_POST
@role_required(Role.OWNER)
def staff_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    account = _staff_account(request.user, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(actor=request.user, user=account, active=active)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(request, f"{account} can sign in again.")
        else:
            messages.success(
                request, f"{account} is deactivated: they can no longer sign in or use API keys."
            )
    return redirect("trainers:staff")


@require_POST
@role_required(*MANAGEMENT_ROLES)
def staff_invite(request: HttpRequest, user_id: int) -> HttpResponse:
    account = _staff_account(request.user, user_id)
    try:
        services.staff_invite(actor=request.user, user=account, **_site(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"A new invitation is on its way to {account.email}.")
    return redirect("trainers:staff")
