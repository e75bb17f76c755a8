"""Revenue pages and their CSV files for owners and managers: adapters over billing.reports."""

from datetime import date, timedelta

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fitnesscrm.billing import reports
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.money import format_money
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import MANAGEMENT_ROLES

MANAGEMENT = tuple(MANAGEMENT_ROLES)
OVERDUE_PER_PAGE = 50


class RangeForm(StyledFormMixin, forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    granularity = forms.ChoiceField(
        label="By",
        choices=[(reports.DAY, "Day"), (reports.WEEK, "Week"), (reports.MONTH, "Month")],
        required=False,
    )

    def __init__(self, data, *, default_from: date, default_to: date, granular: bool):
        values = {"date_from": default_from, "date_to": default_to, "granularity": reports.MONTH}
        # An empty query is the default range; any field given replaces its default.
        values.update({k: v for k, v in data.items() if k in self.base_fields and v})
        super().__init__(values)
        if not granular:
            del self.fields["granularity"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            reports.check_range(
                cleaned.get("granularity") or reports.MONTH,
                cleaned["date_from"],
                cleaned["date_to"],
            )
        except ApplicationError as exc:
            for error in exc.errors:
                self.add_error(error["field"], error["message"])
        return cleaned


def _year_to_date(today: date) -> tuple[date, date]:
    """The last twelve months, whole months, up to today."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


def _month_to_date(today: date) -> tuple[date, date]:
    return today.replace(day=1), today


def _range_form(request: HttpRequest, *, granular: bool) -> RangeForm:
    today = timezone.localdate()
    start, end = _year_to_date(today) if granular else _month_to_date(today)
    form = RangeForm(request.GET, default_from=start, default_to=end, granular=granular)
    form.is_valid()
    return form


def _csv(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*MANAGEMENT)
def index(request: HttpRequest) -> HttpResponse:
    """MRR and what is owed today, with the way into each report."""
    context = {
        "mrr": reports.mrr(user=request.user),
        "aging": reports.receivables_aging(user=request.user),
        "buckets": reports.AGING_BUCKETS,
        "today": timezone.localdate(),
    }
    return render(request, "billing/revenue/index.html", context)


@require_GET
@role_required(*MANAGEMENT)
def mrr_csv(request: HttpRequest) -> HttpResponse:
    return _csv(reports.mrr_csv(user=request.user), "mrr")


@require_GET
@role_required(*MANAGEMENT)
def period(request: HttpRequest) -> HttpResponse:
    form = _range_form(request, granular=True)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = reports.revenue_by_period(
            user=request.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            granularity=data["granularity"] or reports.MONTH,
        )
    context = {"form": form, "report": report, "query": request.GET.urlencode()}
    return render(request, "billing/revenue/period.html", context, status=200 if report else 400)


@require_GET
@role_required(*MANAGEMENT)
def period_csv(request: HttpRequest) -> HttpResponse:
    form = _range_form(request, granular=True)
    if not form.is_valid():
        return render(request, "billing/revenue/period.html", {"form": form}, status=400)
    data = form.cleaned_data
    content = reports.period_csv(
        user=request.user,
        date_from=data["date_from"],
        date_to=data["date_to"],
        granularity=data["granularity"] or reports.MONTH,
    )
    return _csv(content, "revenue-by-period")


def _sales_page(request: HttpRequest, by: str) -> HttpResponse:
    form = _range_form(request, granular=False)
    rows = None
    if form.is_valid():
        data = form.cleaned_data
        report = reports.revenue_by_product if by == "product" else reports.revenue_by_trainer
        rows = report(user=request.user, date_from=data["date_from"], date_to=data["date_to"])
    context = {"form": form, "rows": rows, "by": by, "query": request.GET.urlencode()}
    status = 200 if rows is not None else 400
    return render(request, "billing/revenue/sales.html", context, status=status)


def _sales_csv(request: HttpRequest, by: str) -> HttpResponse:
    form = _range_form(request, granular=False)
    if not form.is_valid():
        context = {"form": form, "rows": None, "by": by}
        return render(request, "billing/revenue/sales.html", context, status=400)
    data = form.cleaned_data
    content = reports.sales_csv(
        user=request.user, by=by, date_from=data["date_from"], date_to=data["date_to"]
    )
    return _csv(content, f"revenue-by-{by}")


@require_GET
@role_required(*MANAGEMENT)
def products(request: HttpRequest) -> HttpResponse:
    return _sales_page(request, "product")


@require_GET
@role_required(*MANAGEMENT)
def products_csv(request: HttpRequest) -> HttpResponse:
    return _sales_csv(request, "product")


@require_GET
@role_required(*MANAGEMENT)
def trainers(request: HttpRequest) -> HttpResponse:
    return _sales_page(request, "trainer")


@require_GET
@role_required(*MANAGEMENT)
def trainers_csv(request: HttpRequest) -> HttpResponse:
    return _sales_csv(request, "trainer")


@require_GET
@role_required(*MANAGEMENT)
def aging(request: HttpRequest) -> HttpResponse:
    """What is owed by how long overdue, and the overdue invoices, the oldest first."""
    today = timezone.localdate()
    overdue = reports.overdue_invoices(user=request.user, on=today)
    page = Paginator(overdue, OVERDUE_PER_PAGE).get_page(request.GET.get("page"))
    for invoice in page:
        invoice.days_overdue = reports.days_overdue(invoice, today)
        invoice.shown_due = format_money(invoice.due_minor, invoice.currency)
        invoice.shown_total = format_money(invoice.total_minor, invoice.currency)
    context = {
        "aging": reports.receivables_aging(user=request.user, on=today),
        "buckets": reports.AGING_BUCKETS,
        "page": page,
        "today": today,
    }
    return render(request, "billing/revenue/aging.html", context)


@require_GET
@role_required(*MANAGEMENT)
def aging_csv(request: HttpRequest) -> HttpResponse:
    return _csv(reports.aging_csv(user=request.user), "receivables")
