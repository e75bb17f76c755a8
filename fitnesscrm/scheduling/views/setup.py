"""Setup pages for owners and managers: locations, rooms and class types (list, add, edit,
take out of use and back), and the owner's scheduling policy.

The three kinds of record share one list page and one edit page; a Kind below says what
differs between them. Writes go through scheduling.services.setup.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.pages import refuse
from fitnesscrm.core.permissions import role_of, role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling import selectors, services
from fitnesscrm.scheduling.forms import (
    ClassTypeForm,
    LocationForm,
    PolicyForm,
    RoomForm,
    apply_errors,
)
from fitnesscrm.scheduling.models import ClassType, Location, Room, SchedulingSettings
from fitnesscrm.scheduling.views._common import MANAGEMENT


@dataclass(frozen=True)
class Kind:
    name: str  # URL names: setup-<name>s, setup-<name>, setup-<name>-active
    title: str
    singular: str
    model: Any
    form: Any
    fields: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (heading, attribute)

    def records(self):
        # Setup data is the same for every member of staff; the list shows retired ones too.
        if self.model is Room:
            return Room.objects.select_related("location").order_by(
                "-is_active", "location__name", "name", "id"
            )
        return self.model.objects.order_by("-is_active", "name", "id")

    def get(self, pk: int):
        try:
            return self.records().get(pk=pk)
        except self.model.DoesNotExist as exc:
            raise Http404(f"No such {self.singular}.") from exc

    def new_form(self, data=None, *, editing: bool = False, **kwargs):
        if self.model is Room:
            kwargs.update(locations=selectors.location_list(), editing=editing)
        return self.form(data, **kwargs)

    def create(self, actor, form):
        data = dict(form.cleaned_data)
        if self.model is Location:
            return services.location_create(actor=actor, **data)
        if self.model is Room:
            data["location"] = form.chosen_location()
            return services.room_create(actor=actor, **data)
        return services.class_type_create(actor=actor, **data)

    def update(self, actor, record, **fields):
        if self.model is Location:
            return services.location_update(actor=actor, location=record, **fields)
        if self.model is Room:
            return services.room_update(actor=actor, room=record, **fields)
        return services.class_type_update(actor=actor, class_type=record, **fields)


KINDS = {
    "location": Kind(
        "location", "Locations", "location", Location, LocationForm, ("name", "address"),
        (("Name", "name"), ("Address", "address")),
    ),
    "room": Kind(
        "room", "Rooms", "room", Room, RoomForm, ("name", "capacity"),
        (("Name", "name"), ("Location", "location"), ("Capacity", "capacity")),
    ),
    "class-type": Kind(
        "class-type", "Class types", "class type", ClassType, ClassTypeForm,
        ("name", "duration_minutes", "capacity", "colour", "description", "access"),
        (("Name", "name"), ("Length (min)", "duration_minutes"), ("Capacity", "capacity"),
         ("Who can book", "get_access_display")),
    ),
}  # fmt: skip


def _tabs(request, current: str) -> list[dict]:
    tabs = [
        {"label": kind.title, "url": reverse(f"scheduling:setup-{kind.name}s"), "name": key}
        for key, kind in KINDS.items()
    ]
    tabs.append({"label": "Policy", "url": reverse("scheduling:policy"), "name": "policy"})
    for tab in tabs:
        tab["current"] = tab["name"] == current
    return tabs


def _rows(kind: Kind, records) -> list[dict]:
    return [{"record": r, "cells": [_cell(r, attr) for _, attr in kind.columns]} for r in records]


def _cell(record, attr: str):
    value = getattr(record, attr)
    return value() if callable(value) else value


def setup_list(key: str):
    kind = KINDS[key]

    @require_http_methods(["GET", "POST"])
    @role_required(*MANAGEMENT)
    def view(request: HttpRequest) -> HttpResponse:
        posted = request.method == "POST"
        form = kind.new_form(request.POST if posted else None)
        if posted and form.is_valid():
            try:
                record = kind.create(request.user, form)
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                messages.success(request, f"{kind.singular.capitalize()} “{record}” added.")
                return redirect(reverse(f"scheduling:setup-{kind.name}s"))
        return render(
            request,
            "scheduling/setup_list.html",
            {
                "kind": kind,
                "rows": _rows(kind, kind.records()),
                "form": form,
                "tabs": _tabs(request, key),
            },
            status=400 if form.errors else 200,
        )

    view.__name__ = f"setup_{kind.name.replace('-', '_')}s"
    return view


def setup_edit(key: str):
    kind = KINDS[key]

    @require_http_methods(["GET", "POST"])
    @role_required(*MANAGEMENT)
    def view(request: HttpRequest, **ids) -> HttpResponse:
        record = kind.get(next(iter(ids.values())))
        posted = request.method == "POST"
        initial = {name: getattr(record, name) for name in kind.fields}
        form = kind.new_form(request.POST if posted else None, initial=initial, editing=True)
        if posted and form.is_valid():
            fields = {name: form.cleaned_data[name] for name in kind.fields}
            try:
                kind.update(request.user, record, **fields)
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect(reverse(f"scheduling:setup-{kind.name}s"))
        return render(
            request,
            "scheduling/setup_edit.html",
            {"kind": kind, "record": record, "form": form, "tabs": _tabs(request, key)},
            status=400 if form.errors else 200,
        )

    view.__name__ = f"setup_{kind.name.replace('-', '_')}_edit"
    return view


def setup_active(key: str):
    kind = KINDS[key]

    @require_POST
    @role_required(*MANAGEMENT)
    def view(request: HttpRequest, **ids) -> HttpResponse:
        record = kind.get(next(iter(ids.values())))
        active = request.POST.get("active") == "1"
        try:
            kind.update(request.user, record, is_active=active)
        except ApplicationError as exc:
            refuse(exc)
            messages.error(request, exc.message)
        else:
            state = "back in use" if active else "out of use: no new sessions can use it"
            messages.success(request, f"“{record}” is {state}.")
        return redirect(reverse(f"scheduling:setup-{kind.name}s"))

    view.__name__ = f"setup_{kind.name.replace('-', '_')}_active"
    return view


@require_http_methods(["GET", "POST"])
@role_required(*MANAGEMENT)
def policy(request: HttpRequest) -> HttpResponse:
    """The owner's scheduling policy; managers may read it."""
    current = SchedulingSettings.load()
    posted = request.method == "POST"
    form = PolicyForm(request.POST if posted else None, initial=PolicyForm.initial_for(current))
    owner = role_of(request.user) == Role.OWNER
    if posted and not owner:
        raise PermissionDenied("Only the owner changes the scheduling policy.")
    if posted and form.is_valid():
        try:
            services.scheduling_settings_update(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            refuse(exc)
            apply_errors(form, exc)
        else:
            messages.success(request, "Scheduling policy saved.")
            return redirect(reverse("scheduling:policy"))
    if not owner:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "scheduling/policy.html",
        {"form": form, "owner": owner, "tabs": _tabs(request, "policy")},
        status=400 if form.errors else 200,
    )
