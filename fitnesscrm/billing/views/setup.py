"""Setup pages for owners and managers: products, tax rates, promo codes; the owner's settings.

The three catalogue kinds share one list page (with the add form beside it) and one
edit page; a Kind below says what differs. Catalogue writes go through
billing.services.catalog; the settings form is saved and audited here.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from fitnesscrm.billing.documents import percent_text
from fitnesscrm.billing.forms import (
    BillingSettingsForm,
    ProductForm,
    PromoCodeForm,
    TaxRateForm,
    apply_errors,
)
from fitnesscrm.billing.models import BillingSettings, Product, PromoCode, PromoKind, TaxRate
from fitnesscrm.billing.services import catalog
from fitnesscrm.billing.views._common import MANAGEMENT, is_owner, tabs
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.money import format_money
from fitnesscrm.core.pages import refuse
from fitnesscrm.core.permissions import role_required


@dataclass(frozen=True)
class Kind:
    name: str  # URL names: <name>s and <name>
    title: str
    singular: str
    model: Any
    form: Any
    headings: tuple[str, ...]

    def records(self):
        if self.model is Product:
            return Product.objects.select_related("tax_rate").order_by(
                "-is_active", "kind", "name", "id"
            )
        if self.model is PromoCode:
            return PromoCode.objects.order_by("-is_active", "code", "id")
        return TaxRate.objects.order_by("-is_active", "name", "id")

    def get(self, pk: int):
        try:
            return self.records().get(pk=pk)
        except self.model.DoesNotExist as exc:
            raise Http404(f"No such {self.singular}.") from exc

    def fields(self, form) -> dict:
        """The form's values as the catalogue services name them."""
        data = form.cleaned_data
        if self.model is Product:
            names = ("kind", "name", "description", "tax_rate", "interval")
            names += ("minimum_term_months", "notice_days", "credits", "credit_days", "is_active")
            fields = {name: data[name] for name in names}
            fields["price_minor"] = data["price"]
            fields["signup_fee_minor"] = data["signup_fee"]
            return fields
        if self.model is PromoCode:
            names = ("code", "kind", "valid_from", "valid_until", "max_uses", "products")
            return {
                **{name: data[name] for name in names},
                "value": data["value"],
                "is_active": data["is_active"],
            }
        return {name: data[name] for name in ("name", "percent", "inclusive", "is_active")}

    def create(self, actor, form):
        fields = self.fields(form)
        if self.model is Product:
            return catalog.product_create(actor=actor, **fields)
        if self.model is PromoCode:
            return catalog.promo_code_create(actor=actor, **fields)
        active = fields.pop("is_active")
        rate = catalog.tax_rate_create(actor=actor, **fields)
        return (
            rate if active else catalog.tax_rate_update(actor=actor, tax_rate=rate, is_active=False)
        )

    def update(self, actor, record, form):
        fields = self.fields(form)
        if self.model is Product:
            return catalog.product_update(actor=actor, product=record, **fields)
        if self.model is PromoCode:
            return catalog.promo_code_update(actor=actor, promo=record, **fields)
        return catalog.tax_rate_update(actor=actor, tax_rate=record, **fields)


def _cells(record) -> list:
    if isinstance(record, Product):
        price = format_money(record.price_minor, record.currency)
        if record.interval:
            price += f" {record.get_interval_display().lower()}"
        extra = f"{record.credits} credits" if record.credits else ""
        return [record.name, record.get_kind_display(), price, record.tax_rate or "—", extra]
    if isinstance(record, PromoCode):
        value = (
            f"{record.value}%"
            if record.kind == PromoKind.PERCENT
            else format_money(record.value, record.currency)
        )
        limit = f"{record.uses}/{record.max_uses}" if record.max_uses else str(record.uses)
        start, end = record.valid_from, record.valid_until
        dates = f"{start or '…'} to {end or '…'}" if start or end else ""
        return [record.code, value, dates or "Any time", limit]
    return [record.name, percent_text(record.percent), "Included" if record.inclusive else "On top"]


KINDS = {
    "product": Kind(
        "product", "Products", "product", Product, ProductForm,
        ("Name", "Kind", "Price", "Tax", "Credits"),
    ),
    "tax-rate": Kind(
        "tax-rate", "Tax rates", "tax rate", TaxRate, TaxRateForm, ("Name", "Rate", "Prices")
    ),
    "promo-code": Kind(
        "promo-code", "Promo codes", "promo code", PromoCode, PromoCodeForm,
        ("Code", "Value", "Valid", "Used"),
    ),
}  # fmt: skip


def setup_list(key: str):
    kind = KINDS[key]

    @require_http_methods(["GET", "POST"])
    @role_required(*MANAGEMENT)
    def view(request: HttpRequest) -> HttpResponse:
        posted = request.method == "POST"
        form = kind.form(request.POST if posted else None)
        if posted and form.is_valid():
            try:
                record = kind.create(request.user, form)
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                messages.success(request, f"{kind.singular.capitalize()} “{record}” added.")
                return redirect(reverse(f"billing:{kind.name}s"))
        records = list(kind.records())
        return render(
            request,
            "billing/setup_list.html",
            {
                "kind": kind,
                "rows": [{"record": r, "cells": _cells(r)} for r in records],
                "form": form,
                "tabs": tabs(request.user, f"{kind.name}s"),
            },
            status=400 if form.errors else 200,
        )

    view.__name__ = f"{kind.name.replace('-', '_')}s"
    return view


def setup_edit(key: str):
    kind = KINDS[key]

    @require_http_methods(["GET", "POST"])
    @role_required(*MANAGEMENT)
    def view(request: HttpRequest, **ids) -> HttpResponse:
        record = kind.get(next(iter(ids.values())))
        posted = request.method == "POST"
        form = kind.form(request.POST if posted else None, instance=record)
        if posted and form.is_valid():
            try:
                kind.update(request.user, record, form)
            except ApplicationError as exc:
                refuse(exc)
                apply_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect(reverse(f"billing:{kind.name}s"))
        return render(
            request,
            "billing/setup_edit.html",
            {
                "kind": kind,
                "record": record,
                "form": form,
                "tabs": tabs(request.user, f"{kind.name}s"),
            },
            status=400 if form.errors else 200,
        )

    view.__name__ = f"{kind.name.replace('-', '_')}_edit"
    return view


@require_http_methods(["GET", "POST"])
@role_required(*MANAGEMENT)
def billing_settings(request: HttpRequest) -> HttpResponse:
    """Business details printed on invoices, payment terms and dunning; the owner changes them."""
    current = BillingSettings.load()
    owner = is_owner(request.user)
    posted = request.method == "POST"
    if posted and not owner:
        raise PermissionDenied("Only the owner changes the billing settings.")
    form = BillingSettingsForm(request.POST if posted else None, instance=current)
    if posted and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            catalog.billing_settings_update(
                actor=request.user, dunning_days=form.cleaned_data["dunning"], **values
            )
        except ApplicationError as exc:
            for error in exc.errors:
                if error.get("field") == "dunning_days":
                    error["field"] = "dunning"
            apply_errors(form, exc)
        else:
            messages.success(request, "Billing settings saved.")
            return redirect(reverse("billing:settings"))
    if not owner:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "billing/settings.html",
        {"form": form, "owner": owner, "tabs": tabs(request.user, "settings")},
        status=400 if form.errors else 200,
    )
