"""Revenue reports for owners and managers: MRR, money in by period, by product and by trainer,
and receivables aging. Every figure is aggregated in SQL, one query per report.

What counts as revenue (cash basis):
- money in is every payment that went through, dated by when it was received
  (part payments included); refunds are taken off on the day they were made;
- tax is the invoice's own share of each payment (and the credit note's tax of each
  refund), so net and tax add up to what was received;
- by product and by trainer, the lines of invoices paid in full in the range, dated by
  when the invoice became paid (before any later refund);
- MRR: the price of each active membership as a monthly amount (a quarterly price / 3,
  an annual one / 12); paused, past-due and cancelled memberships are not counted.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Trunc
from django.utils import timezone

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import (
    INTERVAL_MONTHS,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Membership,
    MembershipPause,
    MembershipStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from fitnesscrm.clients.csv_io import BOM, excel_safe
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Forbidden
from fitnesscrm.core.money import format_money, round_half_up, to_major

DAY, WEEK, MONTH = "day", "week", "month"
GRANULARITIES = (DAY, WEEK, MONTH)
# The longest range each granularity covers, so that a report stays a page long.
MAX_RANGE_DAYS = {DAY: 366, WEEK: 3 * 366, MONTH: 10 * 366}
AGING_BUCKETS = (
    ("current", "Not yet due"),
    ("d1_30", "1 to 30 days"),
    ("d31_60", "31 to 60 days"),
    ("d61_90", "61 to 90 days"),
    ("d90_plus", "Over 90 days"),
)


def require_revenue(user) -> None:
    if not selectors.sees_revenue(user):
        raise Forbidden("Only owners and managers see revenue reports.")


def _invalid(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(
        message, code="invalid", errors=[{"field": field_name, "message": message}]
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


# --- MRR -------------------------------------------------------------------------------------


@dataclass
class MrrRow:
    """One currency's monthly recurring revenue, and what is not counted in it."""

    currency: str
    mrr_minor: int = 0
    members: int = 0
    by_interval: dict[str, int] = field(default_factory=dict)  # interval -> memberships
    past_due_minor: int = 0
    past_due: int = 0
    ending_minor: int = 0
    ending: int = 0

    @property
    def shown(self) -> dict[str, str]:
        return {
            "mrr": format_money(self.mrr_minor, self.currency),
            "past_due": format_money(self.past_due_minor, self.currency),
            "ending": format_money(self.ending_minor, self.currency),
        }


def _monthly(sums: dict[str, int]) -> int:
    """Monthly value of price sums per interval, rounded half up once."""
    total = sum(
        (Decimal(amount) / INTERVAL_MONTHS[interval] for interval, amount in sums.items()),
        Decimal(0),
    )
    return round_half_up(total)


def mrr(*, user, on: date | None = None) -> list[MrrRow]:
    """MRR by currency on a day (today): active memberships not paused that day.

    Past-due memberships (a renewal failed) and cancelled ones running to their end are
    reported beside it, not in it: neither is going to bill again as things stand.
    """
    require_revenue(user)
    day = on or timezone.localdate()
    paused = MembershipPause.objects.filter(
        membership=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day
    )
    rows = (
        Membership.objects.filter(
            status__in=[
                MembershipStatus.ACTIVE,
                MembershipStatus.PAST_DUE,
                MembershipStatus.CANCELLED,
            ],
            started_on__lte=day,
        )
        .exclude(ends_on__lt=day)
        .exclude(Exists(paused))
        .values("currency", "status", "interval")
        .annotate(amount=Sum("price_minor"), n=Count("id"))
        .order_by()
    )
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in rows:
        key = (row["currency"], row["status"])
        sums[key][row["interval"]] = row["amount"]
        counts[key][row["interval"]] = row["n"]
    result: dict[str, MrrRow] = {}
    for (currency, status), by_interval in sums.items():
        entry = result.setdefault(currency, MrrRow(currency=currency))
        value, number = _monthly(by_interval), sum(counts[(currency, status)].values())
        if status == MembershipStatus.ACTIVE:
            entry.mrr_minor, entry.members = value, number
            entry.by_interval = dict(counts[(currency, status)])
        elif status == MembershipStatus.PAST_DUE:
            entry.past_due_minor, entry.past_due = value, number
        else:
            entry.ending_minor, entry.ending = value, number
    return [result[currency] for currency in sorted(result)]


# --- Revenue by period -----------------------------------------------------------------------


@dataclass
class PeriodRow:
    start: date
    currency: str
    payments: int = 0
    received_minor: int = 0
    received_tax_minor: int = 0
    refunds: int = 0
    refunded_minor: int = 0
    refunded_tax_minor: int = 0

    @property
    def revenue_minor(self) -> int:
        return self.received_minor - self.refunded_minor

    @property
    def tax_minor(self) -> int:
        return self.received_tax_minor - self.refunded_tax_minor

    @property
    def net_minor(self) -> int:
        return self.revenue_minor - self.tax_minor

    @property
    def shown(self) -> dict[str, str]:
        return {
            name: format_money(getattr(self, f"{name}_minor"), self.currency)
            for name in ("received", "refunded", "revenue", "tax", "net")
        }


@dataclass
class PeriodReport:
    granularity: str
    date_from: date
    date_to: date
    rows: list[PeriodRow]
    totals: list[PeriodRow]  # one per currency; `start` is date_from


def check_range(granularity: str, date_from: date, date_to: date) -> None:
    if granularity not in GRANULARITIES:
        raise _invalid("granularity", "Choose days, weeks or months.")
    if date_to < date_from:
        raise _invalid("date_to", "The end of the range is before its start.")
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS[granularity]:
        raise _invalid(
            "date_to",
            f"By {granularity}, a report covers at most {MAX_RANGE_DAYS[granularity]} days.",
        )


def period_start(day: date, granularity: str) -> date:
    if granularity == WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == MONTH:
        return day.replace(day=1)
    return day


def _periods(date_from: date, date_to: date, granularity: str) -> list[date]:
    starts, current = [], period_start(date_from, granularity)
    while current <= date_to:
        starts.append(current)
        if granularity == DAY:
            current += timedelta(days=1)
        elif granularity == WEEK:
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def _payment_tax():
    """The invoice's tax share of a payment, rounded half up: (2·a·t + T) div (2·T).

    In 64-bit integers: the columns are 32-bit on PostgreSQL and a·t would overflow.
    """
    amount = Cast("amount_minor", BigIntegerField())
    tax = Cast("invoice__tax_minor", BigIntegerField())
    total = Cast("invoice__total_minor", BigIntegerField())
    share = ExpressionWrapper(
        (Value(2) * amount * tax + total) / (Value(2) * total), output_field=BigIntegerField()
    )
    return Case(When(invoice__total_minor__gt=0, then=share), default=Value(0))


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def revenue_by_period(
    *, user, date_from: date, date_to: date, granularity: str = MONTH
) -> PeriodReport:
    """Money in less refunds per day, week (from Monday) or month, by currency; local dates."""
    require_revenue(user)
    check_range(granularity, date_from, date_to)
    start, end = _day_start(date_from), _day_start(date_to + timedelta(days=1))
    tz = timezone.get_current_timezone()
    received = (
        Payment.objects.filter(
            status=PaymentStatus.SUCCEEDED, received_at__gte=start, received_at__lt=end
        )
        .annotate(period=Trunc("received_at", granularity, tzinfo=tz))
        .values("period", "currency")
        .annotate(n=Count("id"), amount=Sum("amount_minor"), tax=Sum(_payment_tax()))
        .order_by()
    )
    refunded = (
        Refund.objects.filter(
            status=RefundStatus.SUCCEEDED, created_at__gte=start, created_at__lt=end
        )
        .annotate(period=Trunc("created_at", granularity, tzinfo=tz))
        .values("period", "currency")
        .annotate(n=Count("id"), amount=Sum("amount_minor"), tax=Sum("credit_note__tax_minor"))
        .order_by()
    )
    cells: dict[tuple[date, str], PeriodRow] = {}

    def cell(period, currency: str) -> PeriodRow:
        key = (period_start(_as_date(period), granularity), currency)
        return cells.setdefault(key, PeriodRow(start=key[0], currency=currency))

    for row in received:
        entry = cell(row["period"], row["currency"])
        entry.payments += row["n"]
        entry.received_minor += row["amount"] or 0
        entry.received_tax_minor += row["tax"] or 0
    for row in refunded:
        entry = cell(row["period"], row["currency"])
        entry.refunds += row["n"]
        entry.refunded_minor += row["amount"] or 0
        entry.refunded_tax_minor += row["tax"] or 0
    currencies = sorted({currency for _, currency in cells}) or [_business_currency()]
    rows = [
        cells.get((period, currency)) or PeriodRow(start=period, currency=currency)
        for period in _periods(date_from, date_to, granularity)
        for currency in currencies
    ]
    totals = []
    for currency in currencies:
        total = PeriodRow(start=date_from, currency=currency)
        for row in rows:
            if row.currency == currency:
                total.payments += row.payments
                total.received_minor += row.received_minor
                total.received_tax_minor += row.received_tax_minor
                total.refunds += row.refunds
                total.refunded_minor += row.refunded_minor
                total.refunded_tax_minor += row.refunded_tax_minor
        totals.append(total)
    return PeriodReport(granularity, date_from, date_to, rows, totals)


def _business_currency() -> str:
    from fitnesscrm.core.money import default_currency

    return default_currency()


# --- By product and by trainer ---------------------------------------------------------------


@dataclass
class SalesRow:
    key: int | None
    label: str
    currency: str
    quantity: int
    invoices: int
    net_minor: int
    tax_minor: int
    total_minor: int

    @property
    def shown(self) -> dict[str, str]:
        return {
            name: format_money(getattr(self, f"{name}_minor"), self.currency)
            for name in ("net", "tax", "total")
        }


def _paid_lines(date_from: date, date_to: date) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(
        invoice__status=InvoiceStatus.PAID,
        invoice__paid_at__gte=_day_start(date_from),
        invoice__paid_at__lt=_day_start(date_to + timedelta(days=1)),
    )


def _sales(lines: QuerySet[InvoiceLine], key: str, label: str, nobody: str) -> list[SalesRow]:
    rows = (
        lines.values(key, label, "invoice__currency")
        .annotate(
            quantity=Sum("quantity"),
            invoices=Count("invoice", distinct=True),
            net=Sum("net_minor"),
            tax=Sum("tax_minor"),
            total=Sum("total_minor"),
        )
        .order_by("invoice__currency", "-total", label)
    )
    return [
        SalesRow(
            key=row[key],
            label=nobody if row[key] is None else (row[label] or f"#{row[key]}"),
            currency=row["invoice__currency"],
            quantity=row["quantity"] or 0,
            invoices=row["invoices"],
            net_minor=row["net"] or 0,
            tax_minor=row["tax"] or 0,
            total_minor=row["total"] or 0,
        )
        for row in rows
    ]


def revenue_by_product(*, user, date_from: date, date_to: date) -> list[SalesRow]:
    """Lines of invoices paid in full in the range, by product (lines with none together)."""
    require_revenue(user)
    check_range(MONTH, date_from, date_to)
    return _sales(
        _paid_lines(date_from, date_to), "product_id", "product__name", "Other (no product)"
    )


def revenue_by_trainer(*, user, date_from: date, date_to: date) -> list[SalesRow]:
    """Lines of invoices paid in full in the range, by the trainer each line is for."""
    require_revenue(user)
    check_range(MONTH, date_from, date_to)
    return _sales(
        _paid_lines(date_from, date_to),
        "trainer_id",
        "trainer__user__full_name",
        "No trainer",
    )


# --- Receivables aging -----------------------------------------------------------------------


@dataclass
class AgingRow:
    currency: str
    amounts: dict[str, int]
    counts: dict[str, int]

    @property
    def total_minor(self) -> int:
        return sum(self.amounts.values())

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> str:
        return format_money(self.total_minor, self.currency)

    def cells(self) -> list[tuple[str, str, str, int]]:
        """(bucket, its label, the amount shown, how many invoices) in bucket order."""
        return [
            (key, label, format_money(self.amounts[key], self.currency), self.counts[key])
            for key, label in AGING_BUCKETS
        ]


def _aging_conditions(today: date) -> dict[str, Q]:
    """Which open invoices fall in each bucket, by days past their due date."""
    ago = [today - timedelta(days=n) for n in (1, 30, 31, 60, 61, 90)]
    return {
        "current": Q(due_on__isnull=True) | Q(due_on__gte=today),
        "d1_30": Q(due_on__lte=ago[0], due_on__gte=ago[1]),
        "d31_60": Q(due_on__lte=ago[2], due_on__gte=ago[3]),
        "d61_90": Q(due_on__lte=ago[4], due_on__gte=ago[5]),
        "d90_plus": Q(due_on__lt=ago[5]),
    }


def _amount_due():
    return ExpressionWrapper(
        F("total_minor") - F("amount_paid_minor") - F("amount_credited_minor"),
        output_field=IntegerField(),
    )


def open_invoices(user) -> QuerySet[Invoice]:
    require_revenue(user)
    return selectors.visible_invoices(user).filter(status=InvoiceStatus.OPEN)


def receivables_aging(*, user, on: date | None = None) -> list[AgingRow]:
    """What open invoices still owe, by currency and by how long past due (today by default)."""
    today = on or timezone.localdate()
    conditions = _aging_conditions(today)
    aggregates = {}
    for key, condition in conditions.items():
        aggregates[f"{key}_amount"] = Coalesce(
            Sum(_amount_due(), filter=condition), 0, output_field=BigIntegerField()
        )
        aggregates[f"{key}_count"] = Count("id", filter=condition)
    rows = open_invoices(user).values("currency").annotate(**aggregates).order_by("currency")
    return [
        AgingRow(
            currency=row["currency"],
            amounts={key: row[f"{key}_amount"] for key in conditions},
            counts={key: row[f"{key}_count"] for key in conditions},
        )
        for row in rows
    ]


def overdue_invoices(*, user, on: date | None = None) -> QuerySet[Invoice]:
    """Open invoices past their due date, the longest overdue first, for the aging list."""
    today = on or timezone.localdate()
    return (
        open_invoices(user)
        .filter(due_on__lt=today)
        .select_related("client")
        .annotate(due_minor=_amount_due())
        .order_by("due_on", "id")
    )


def days_overdue(invoice: Invoice, today: date) -> int:
    return max((today - invoice.due_on).days, 0) if invoice.due_on else 0


# --- CSV for accounting ----------------------------------------------------------------------


def _amount(minor: int, currency: str) -> Decimal:
    """Decimal major units ("45.00") for a spreadsheet; the currency is in its own column."""
    return to_major(minor, currency)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A small CSV file: UTF-8 with a BOM, text cells Excel-safe (clients.csv_io.excel_safe).

    Numbers we computed (int, Decimal) are written as they are, so a negative amount is
    a number to a spreadsheet, not text with an apostrophe; they cannot carry a formula.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([excel_safe(cell) for cell in header])
    for row in rows:
        writer.writerow(
            [
                cell
                if isinstance(cell, int | Decimal) and not isinstance(cell, bool)
                else excel_safe(cell)
                for cell in row
            ]
        )
    return (BOM + out.getvalue()).encode("utf-8")


def _audit_export(user, report: str, **details) -> None:
    audit_record(
        actor=user,
        action="revenue.export",
        object_type="billing.report",
        object_label=report,
        changes={name: str(value) for name, value in details.items()},
    )


def mrr_csv(*, user, on: date | None = None) -> bytes:
    day = on or timezone.localdate()
    rows = mrr(user=user, on=day)
    _audit_export(user, "mrr", on=day)
    return csv_bytes(
        ("Date", "Currency", "MRR", "Active memberships", "Past due MRR", "Past due",
         "Ending MRR", "Ending"),
        (
            (day.isoformat(), r.currency, _amount(r.mrr_minor, r.currency), r.members,
             _amount(r.past_due_minor, r.currency), r.past_due,
             _amount(r.ending_minor, r.currency), r.ending)
            for r in rows
        ),
    )  # fmt: skip


def period_csv(*, user, date_from: date, date_to: date, granularity: str) -> bytes:
    report = revenue_by_period(
        user=user, date_from=date_from, date_to=date_to, granularity=granularity
    )
    _audit_export(user, "revenue_by_period", date_from=date_from, date_to=date_to, by=granularity)
    return csv_bytes(
        ("Period start", "Currency", "Payments", "Received", "Refunds", "Refunded", "Revenue",
         "Tax", "Revenue excluding tax"),
        (
            (r.start.isoformat(), r.currency, r.payments, _amount(r.received_minor, r.currency),
             r.refunds, _amount(r.refunded_minor, r.currency),
             _amount(r.revenue_minor, r.currency), _amount(r.tax_minor, r.currency),
             _amount(r.net_minor, r.currency))
            for r in report.rows
        ),
    )  # fmt: skip


def sales_csv(*, user, by: str, date_from: date, date_to: date) -> bytes:
    if by == "product":
        rows = revenue_by_product(user=user, date_from=date_from, date_to=date_to)
    else:
        rows = revenue_by_trainer(user=user, date_from=date_from, date_to=date_to)
    _audit_export(user, f"revenue_by_{by}", date_from=date_from, date_to=date_to)
    return csv_bytes(
        ("Product" if by == "product" else "Trainer", "Currency", "Quantity", "Invoices",
         "Net", "Tax", "Total"),
        (
            (r.label, r.currency, r.quantity, r.invoices, _amount(r.net_minor, r.currency),
             _amount(r.tax_minor, r.currency), _amount(r.total_minor, r.currency))
            for r in rows
        ),
    )  # fmt: skip


def aging_csv(*, user, on: date | None = None) -> bytes:
    """The overdue and not-yet-due open invoices, one per line, with their bucket."""
    today = on or timezone.localdate()
    conditions = _aging_conditions(today)
    whens = [When(condition, then=Value(key)) for key, condition in conditions.items()]
    labels = dict(AGING_BUCKETS)
    invoices = (
        open_invoices(user)
        .select_related("client")
        .annotate(due_minor=_amount_due(), bucket=Case(*whens, default=Value("current")))
        .order_by("due_on", "id")
    )
    _audit_export(user, "receivables_aging", on=today)
    return csv_bytes(
        ("Invoice", "Client", "Issued", "Due", "Days overdue", "Bucket", "Currency", "Total",
         "Outstanding"),
        (
            (inv.number, str(inv.client),
             timezone.localtime(inv.issued_at).date().isoformat() if inv.issued_at else "",
             inv.due_on.isoformat() if inv.due_on else "", days_overdue(inv, today),
             labels[inv.bucket], inv.currency, _amount(inv.total_minor, inv.currency),
             _amount(inv.due_minor, inv.currency))
            for inv in invoices.iterator(2000)
        ),
    )  # fmt: skip
