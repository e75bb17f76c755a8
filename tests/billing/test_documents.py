"""Invoice and credit-note PDFs (read back as text) and the invoice email through real SMTP."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fitnesscrm.billing import documents, services
from fitnesscrm.billing.models import BillingSettings, PaymentMethod, PromoCode, PromoKind
from tests.core.test_tasks import _free_port, smtp_mailers, smtp_server  # noqa: F401
from tests.factories import MemberFactory, ProductFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def business():
    found = BillingSettings.load()
    found.business_name = "Forge Fitness Ltd"
    found.business_address = "12 Anvil Lane\nLeeds LS1 4AB"
    found.tax_number = "GB123456789"
    found.invoice_footer = "Thank you for training with us."
    found.save()
    return found


@pytest.fixture
def member():
    return MemberFactory(
        first_name="Zoë",
        last_name="Núñez-Øberg",
        email="zoe@example.test",
        address_line1="3 Crème Brûlée Street",
        city="Malmö",
        postal_code="211 20",
    )


def _invoice(actor, client, **kwargs):
    vat = TaxRateFactory(percent=Decimal("20"), inclusive=True)
    plan = ProductFactory(name="Unlimited monthly", tax_rate=vat)
    lines = [
        services.LineSpec(
            description="Unlimited monthly", unit_price_minor=4500, product=plan, tax_rate=vat
        ),
        services.LineSpec(description="Towel hire", unit_price_minor=250, quantity=2),
    ]
    return services.invoice_create(actor=actor, client=client, lines=lines, issue=True, **kwargs)


def test_an_invoice_pdf_carries_the_business_the_client_the_lines_and_the_totals(
    owner, business, member
):
    PromoCode.objects.create(code="WELCOME", kind=PromoKind.AMOUNT, value=500, currency="GBP")
    invoice = _invoice(owner, member, promo_code="welcome")
    services.payment_record(
        actor=owner, invoice=invoice, amount_minor=2000, method=PaymentMethod.CASH
    )
    invoice.refresh_from_db()

    text = pdf_text(documents.invoice_pdf(invoice))

    for expected in (
        "Forge Fitness Ltd",
        "12 Anvil Lane",
        "Leeds LS1 4AB",
        "GB123456789",
        "Zoë Núñez-Øberg",
        "3 Crème Brûlée Street",
        "Malmö",
        invoice.number,
        "Unlimited monthly",
        "Towel hire",
        "20% incl.",
        "Discount (WELCOME)",
        "-£5.00",
        "£45.00",
        "£2.50",
        "£45.00",  # the total: 45 + 2 x 2.50 - 5
        "Paid",
        "£20.00",
        "Amount due",
        "£25.00",
        "Thank you for training with us.",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    assert invoice.total_minor == 4500 and invoice.discount_minor == 500


def test_a_refund_shows_on_the_invoice_and_has_a_credit_note_pdf_of_its_own(
    owner, business, member
):
    invoice = _invoice(owner, member)
    payment = services.payment_record(
        actor=owner, invoice=invoice, amount_minor=5000, method=PaymentMethod.CASH
    )
    refund = services.refund_record(
        actor=owner, payment=payment, amount_minor=1200, reason="Towels never used"
    )
    invoice.refresh_from_db()

    invoice_text = pdf_text(documents.invoice_pdf(invoice))
    note_text = pdf_text(documents.credit_note_pdf(refund.credit_note))

    assert "PAID" in invoice_text
    assert "Credit notes" in invoice_text and refund.credit_note.number in invoice_text
    assert "Credited" in invoice_text and "£12.00" in invoice_text
    for expected in (
        "Credit note",
        refund.credit_note.number,
        invoice.number,
        "Zoë Núñez-Øberg",
        "Towels never used",
        "£12.00",
        "Refunded by Cash",
        "GB123456789",
    ):
        assert expected in note_text, expected


def test_a_draft_pdf_is_marked_as_a_draft_and_a_void_one_as_void(owner, business, member):
    draft = services.invoice_create(
        actor=owner,
        client=member,
        lines=[services.LineSpec(description="Drop-in", unit_price_minor=1200)],
    )
    assert "DRAFT" in pdf_text(documents.invoice_pdf(draft))
    issued = services.invoice_issue(actor=owner, invoice=draft)
    services.invoice_void(actor=owner, invoice=issued, reason="Wrong client")
    issued.refresh_from_db()

    text = pdf_text(documents.invoice_pdf(issued))

    assert "VOID" in text and "Amount due" in text and "£0.00" in text


def test_a_pdf_without_business_details_falls_back_to_the_site_name(owner, member, settings):
    settings.SITE_NAME = "Studio Nine"
    invoice = _invoice(owner, member)

    assert "Studio Nine" in pdf_text(documents.invoice_pdf(invoice))


def test_the_invoice_email_reaches_the_client_with_the_pdf_attached(
    owner,
    business,
    member,
    smtp_server,  # noqa: F811
):
    invoice = _invoice(owner, member)

    assert documents.invoice_email_send(invoice_id=invoice.pk) is True

    [message] = smtp_server.messages
    assert message["To"] == "zoe@example.test"
    assert message["Subject"] == f"Invoice {invoice.number} from Forge Fitness Ltd"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert "£50.00" in parts["text/plain"].get_content()
    assert "Hello Zoë" in parts["text/html"].get_content()
    [attachment] = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert invoice.number in pdf_text(attachment.get_content())


def test_no_email_is_sent_for_a_draft_or_a_client_without_an_address(
    owner,
    business,
    smtp_server,  # noqa: F811
):
    nobody = MemberFactory(email="")
    draft = services.invoice_create(
        actor=owner,
        client=MemberFactory(email="someone@example.test"),
        lines=[services.LineSpec(description="Drop-in", unit_price_minor=1200)],
    )
    no_address = _invoice(owner, nobody)

    assert documents.invoice_email_send(invoice_id=draft.pk) is False
    assert documents.invoice_email_send(invoice_id=no_address.pk) is False
    assert documents.invoice_email_send(invoice_id=987654) is False
    assert smtp_server.messages == []


def test_the_queued_invoice_task_sends_the_email(owner, business, member, smtp_server):  # noqa: F811
    from fitnesscrm.billing.tasks import send_invoice_email

    invoice = _invoice(owner, member)
    send_invoice_email.call(invoice_id=invoice.pk)

    assert len(smtp_server.messages) == 1
