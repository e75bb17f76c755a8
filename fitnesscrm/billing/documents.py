"""Invoice and credit-note PDFs, branded with the business's details, and the invoice email.

PDFs are drawn with fpdf2 in DejaVu Sans (shipped in fonts/ with its licence) so that
names with accents or other scripts print as typed. They are made on demand from the
stored rows, never kept: an invoice's numbers do not change once it is issued, so the
same invoice always gives the same document.
"""

import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from fitnesscrm.billing.models import BillingSettings, CreditNote, Invoice, InvoiceStatus
from fitnesscrm.core.money import format_money

logger = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
PDF_TYPE = "application/pdf"
GREY = (90, 90, 90)
RULE = (200, 200, 200)
STATUS_STAMPS = {
    InvoiceStatus.DRAFT: "DRAFT",
    InvoiceStatus.PAID: "PAID",
    InvoiceStatus.VOID: "VOID",
    InvoiceStatus.UNCOLLECTIBLE: "WRITTEN OFF",
}


def percent_text(value: Decimal) -> str:
    """20.000 → "20%", 5.500 → "5.5%" (normalize() alone would print 2E+1)."""
    return f"{format(Decimal(value).normalize(), 'f')}%"


def _day(moment) -> str:
    if moment is None:
        return "—"
    if hasattr(moment, "hour"):
        moment = timezone.localtime(moment).date()
    return f"{moment.day} {moment:%B %Y}"


def client_address(client) -> list[str]:
    place = " ".join(part for part in (client.postal_code, client.city) if part)
    return [
        line for line in (client.address_line1, client.address_line2, place, client.country) if line
    ]


def invoice_filename(invoice: Invoice) -> str:
    return f"{invoice.number or f'draft-{invoice.pk}'}.pdf"


def credit_note_filename(note: CreditNote) -> str:
    return f"{note.number}.pdf"


class _Document(FPDF):
    """A4 with the business's name at the top and the footer and page number at the bottom."""

    def __init__(self, business: BillingSettings):
        super().__init__(format="A4", unit="mm")
        self.business = business
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=22)
        self.set_margins(18, 18, 18)
        self.set_creator(settings.SITE_NAME)
        self.alias_nb_pages()
        self.add_page()

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        text = self.business.invoice_footer or self.business.business_name or settings.SITE_NAME
        self.cell(0, 4, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def line_of(self, text: str, *, size: float = 9.5, bold: bool = False, grey=False, h=5):
        self.set_font(FAMILY, "B" if bold else "", size)
        if grey:
            self.set_text_color(*GREY)
        self.multi_cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def rule(self) -> None:
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)

    def letterhead(self, title: str, number: str, facts: list[tuple[str, str]], stamp: str = ""):
        """Business details on the left; the document's title, number and dates on the right."""
        top = self.get_y()
        half = (self.w - self.l_margin - self.r_margin) / 2
        self.set_font(FAMILY, "B", 15)
        name = self.business.business_name or settings.SITE_NAME
        self.multi_cell(half, 7, name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 9)
        for line in self.business.business_address.splitlines():
            if line.strip():
                self.multi_cell(half, 4.5, line.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.business.tax_number:
            self.multi_cell(
                half,
                4.5,
                f"Tax number: {self.business.tax_number}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + half, top)
        self.set_font(FAMILY, "B", 18)
        self.cell(half, 8, title, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(FAMILY, "B", 10.5)
        self.cell(half, 6, number, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 9)
        for label, value in facts:
            self.cell(half, 4.8, f"{label}: {value}", align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        if stamp:
            self.set_font(FAMILY, "B", 12)
            self.set_text_color(180, 40, 40)
            self.cell(half, 7, stamp, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
        self.set_y(max(self.get_y(), left_bottom) + 6)

    def bill_to(self, client) -> None:
        self.line_of("Bill to", size=8.5, grey=True, h=4.5)
        self.line_of(client.full_name, size=10.5, bold=True)
        for line in client_address(client):
            self.line_of(line, h=4.5)
        if client.email:
            self.line_of(client.email, h=4.5)
        self.ln(4)

    def totals(self, rows: list[tuple[str, str, bool]]) -> None:
        """Label and amount pairs, right-aligned; a True flag prints the row in bold."""
        label_w, amount_w = 45, 32
        for label, amount, bold in rows:
            self.set_font(FAMILY, "B" if bold else "", 10 if bold else 9.5)
            self.set_x(self.w - self.r_margin - label_w - amount_w)
            self.cell(label_w, 6, label, align="R")
            self.cell(amount_w, 6, amount, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _stamp(invoice: Invoice) -> str:
    return STATUS_STAMPS.get(invoice.status, "")


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF: lines, discount, net/tax/total, paid, due and its credit notes."""
    business = BillingSettings.load()
    money = lambda minor: format_money(minor, invoice.currency)  # noqa: E731
    lines = list(invoice.lines.all())
    notes = list(invoice.credit_notes.order_by("issued_at", "id"))
    pdf = _Document(business)
    pdf.set_title(f"Invoice {invoice.number or 'draft'}")
    facts = [("Issued", _day(invoice.issued_at))] if invoice.issued_at else []
    if invoice.due_on:
        facts.append(("Due", _day(invoice.due_on)))
    if invoice.paid_at:
        facts.append(("Paid", _day(invoice.paid_at)))
    pdf.letterhead("Invoice", invoice.number or "Draft", facts, _stamp(invoice))
    pdf.bill_to(invoice.client)

    pdf.set_font(FAMILY, "", 9)
    widths = (74, 14, 28, 20, 38)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5.5,
        borders_layout="HORIZONTAL_LINES",
        headings_style=_headings(),
        padding=1.2,
    ) as table:
        table.row(("Description", "Qty", "Unit price", "Tax", "Total"))
        for line in lines:
            description = line.description
            if line.period_start and line.period_end:
                description += f"\n{_day(line.period_start)} to {_day(line.period_end)}"
            if line.discount_minor:
                description += f"\nDiscount {money(line.discount_minor)}"
            tax = percent_text(line.tax_percent) if line.tax_name else "—"
            if line.tax_name and line.tax_percent:
                tax += " incl." if line.tax_inclusive else ""
            table.row(
                (
                    description,
                    str(line.quantity),
                    money(line.unit_price_minor),
                    tax,
                    money(line.total_minor),
                )
            )
    pdf.ln(3)
    rows = []
    if invoice.discount_minor:
        code = f" ({invoice.promo_code.code})" if invoice.promo_code_id else ""
        rows.append((f"Discount{code}", f"-{money(invoice.discount_minor)}", False))
    rows += [
        ("Net", money(invoice.subtotal_minor), False),
        ("Tax", money(invoice.tax_minor), False),
        ("Total", money(invoice.total_minor), True),
        ("Paid", money(invoice.amount_paid_minor), False),
    ]
    if invoice.amount_credited_minor:
        rows.append(("Credited", money(invoice.amount_credited_minor), False))
    rows.append(("Amount due", money(invoice.amount_due_minor), True))
    pdf.totals(rows)

    if notes:
        pdf.ln(5)
        pdf.line_of("Credit notes", size=10.5, bold=True, h=6)
        for note in notes:
            when = _day(note.issued_at)
            pdf.line_of(f"{note.number}, {when}: {money(note.amount_minor)} ({note.reason})")
    if invoice.status == InvoiceStatus.OPEN and invoice.due_on:
        pdf.ln(5)
        pdf.line_of(f"Please pay by {_day(invoice.due_on)}.", grey=True)
    if invoice.notes:
        pdf.ln(3)
        pdf.line_of(invoice.notes, grey=True)
    return bytes(pdf.output())


def _headings():
    from fpdf.fonts import FontFace

    return FontFace(family=FAMILY, emphasis="BOLD", size_pt=9, fill_color=(238, 240, 243))


def credit_note_pdf(note: CreditNote) -> bytes:
    """A credit note: what is credited against which invoice, and why."""
    business = BillingSettings.load()
    invoice = note.invoice
    money = lambda minor: format_money(minor, note.currency)  # noqa: E731
    pdf = _Document(business)
    pdf.set_title(f"Credit note {note.number}")
    facts = [("Issued", _day(note.issued_at)), ("Invoice", invoice.number or "—")]
    pdf.letterhead("Credit note", note.number, facts)
    pdf.bill_to(invoice.client)
    pdf.line_of("Reason", size=8.5, grey=True, h=4.5)
    pdf.line_of(note.reason)
    pdf.ln(4)
    pdf.rule()
    pdf.totals(
        [
            ("Net", money(note.amount_minor - note.tax_minor), False),
            ("Tax", money(note.tax_minor), False),
            ("Credited", money(note.amount_minor), True),
        ]
    )
    # A credit note may be a correction with no money paid back.
    refund = getattr(note, "refund", None)
    if refund is not None:
        pdf.ln(4)
        how = "to the card" if refund.via_stripe else f"by {refund.payment.get_method_display()}"
        pdf.line_of(f"Refunded {how}: {money(refund.amount_minor)}.", grey=True)
    return bytes(pdf.output())


def _writable(invoice: Invoice | None) -> bool:
    return (
        invoice is not None
        and invoice.status != InvoiceStatus.DRAFT
        and bool(invoice.client.email)
        and invoice.client.archived_at is None
    )


def invoice_email_send(*, invoice_id: int) -> bool:
    """Email an issued invoice to its client with the PDF; False when there is nobody to write to.

    Errors from the mail server propagate, so the task is retried.
    """
    invoice = Invoice.objects.select_related("client", "promo_code").filter(pk=invoice_id).first()
    if not _writable(invoice):
        logger.info("invoice email skipped", extra={"invoice_id": invoice_id})
        return False
    business = BillingSettings.load()
    sender = business.business_name or settings.SITE_NAME
    subject = f"Invoice {invoice.number} from {sender}"
    context = {
        "subject": subject,
        "site_name": sender,
        "client": invoice.client,
        "invoice": invoice,
        "total": format_money(invoice.total_minor, invoice.currency),
        "due": format_money(invoice.amount_due_minor, invoice.currency),
        "due_on": _day(invoice.due_on) if invoice.due_on else "",
        "paid": invoice.status == InvoiceStatus.PAID,
        "footer": business.invoice_footer,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("billing/email/invoice.txt", context),
        to=[invoice.client.email],
    )
    message.attach_alternative(render_to_string("billing/email/invoice.html", context), "text/html")
    message.attach(invoice_filename(invoice), invoice_pdf(invoice), PDF_TYPE)
    message.send()
    return True


def pdf_response(content: bytes, filename: str, *, download: bool = True) -> HttpResponse:
    """A PDF that a browser neither sniffs as something else nor keeps in a shared cache."""
    response = HttpResponse(content, content_type="application/pdf")
    kind = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
