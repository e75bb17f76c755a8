"""The staff invoice pages: the list and its filters, an invoice and what each role can do
on it, payments typed at the desk (and every way to type one wrong), PDFs and emails."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fitnesscrm.billing import services
from fitnesscrm.billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod, Refund
from tests.factories import MemberFactory, ProductFactory

pytestmark = pytest.mark.django_db


def issued_invoice(actor, *, client=None, price=5000, text="Unlimited monthly") -> Invoice:
    """An open invoice of `price` (VAT included) for `client`, issued by `actor`."""
    plan = ProductFactory()
    return services.invoice_create(
        actor=actor,
        client=client or MemberFactory(),
        lines=[
            services.LineSpec(
                description=text, unit_price_minor=price, product=plan, tax_rate=plan.tax_rate
            )
        ],
        issue=True,
    )


def _page(invoice) -> str:
    return reverse("billing:invoice", args=[invoice.pk])


def _pay(browser, invoice, amount, method="cash", reference=""):
    return browser.post(
        reverse("billing:invoice-pay", args=[invoice.pk]),
        {"amount": amount, "method": method, "reference": reference},
    )


# --- The list -------------------------------------------------------------------------------


def test_the_list_filters_by_status_client_and_day_issued(owner, login):
    ada = MemberFactory(first_name="Ada", last_name="Lovelace")
    open_one = issued_invoice(owner, client=ada)
    paid = issued_invoice(owner, client=MemberFactory(first_name="Grace", last_name="Hopper"))
    services.payment_record(actor=owner, invoice=paid, amount_minor=5000, method="cash")
    old = issued_invoice(owner, client=ada)
    Invoice.objects.filter(pk=old.pk).update(issued_at=timezone.now() - timedelta(days=40))
    browser = login(owner)
    url = reverse("billing:invoices")

    def numbers(**query):
        body = browser.get(url, query).content.decode()
        return {i.number for i in (open_one, paid, old) if i.number in body}

    assert numbers() == {open_one.number, paid.number, old.number}
    assert numbers(status="paid") == {paid.number}
    assert numbers(q="lovelace") == {open_one.number, old.number}
    assert numbers(start=(timezone.localdate() - timedelta(days=7)).isoformat()) == {
        open_one.number,
        paid.number,
    }
    assert numbers(end=(timezone.localdate() - timedelta(days=30)).isoformat()) == {old.number}
    assert numbers(client=ada.pk, status="open") == {open_one.number, old.number}


def test_a_bad_filter_value_is_ignored_not_an_error(owner, login):
    issued_invoice(owner)

    response = login(owner).get(reverse("billing:invoices"), {"start": "soon", "status": "x"})

    assert response.status_code == 200
    assert "1 invoice" in response.content.decode()


def test_the_list_costs_the_same_queries_for_three_invoices_or_thirty(
    owner, login, django_assert_max_num_queries
):
    browser = login(owner)
    url = reverse("billing:invoices")
    for _ in range(3):
        issued_invoice(owner)
    with django_assert_max_num_queries(12) as few:
        browser.get(url)
    for _ in range(27):
        issued_invoice(owner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser.get(url)
    assert "30 invoices" in response.content.decode()


def test_the_list_is_paginated(owner, login):
    for _ in range(51):
        issued_invoice(owner)

    body = login(owner).get(reverse("billing:invoices"), {"page": 2}).content.decode()

    assert "Page 2 of 2" in body and body.count('data-testid="invoice-row"') == 1


# --- One invoice ----------------------------------------------------------------------------


def test_the_desk_sees_an_invoice_and_records_a_partial_payment(owner, front_desk, login):
    invoice = issued_invoice(owner)
    browser = login(front_desk)

    page = browser.get(_page(invoice)).content.decode()
    assert "Record a payment" in page and "£50.00" in page
    assert "Void" not in page and "Write off" not in page  # not the desk's to do

    response = _pay(browser, invoice, "20.00", "card_terminal", "T-881")
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == 2000 and invoice.status == InvoiceStatus.OPEN
    page = browser.get(_page(invoice)).content.decode()
    assert "£20.00 recorded; £30.00 is still due." in page
    assert "Card terminal" in page and "T-881" in page

    _pay(browser, invoice, "30")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_due_minor == 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "The amount cannot be negative."),
        ("0", "The amount must be more than zero."),
        ("12.345", "GBP amounts have 2 decimal places at most."),
        ("twelve", "Enter an amount such as 12.50."),
        ("60.00", "Only £50.00 is due on this invoice."),
    ],
)
def test_a_wrong_amount_is_shown_at_the_field_and_keeps_what_was_typed(
    owner, front_desk, login, typed, message
):
    invoice = issued_invoice(owner)

    response = _pay(login(front_desk), invoice, typed, "bank_transfer", "REF-42")

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'name="amount"' in body and f'value="{typed}"' in body
    assert 'value="REF-42"' in body
    assert '<option value="bank_transfer" selected>' in body
    assert not Payment.objects.exists()


def test_paying_a_void_invoice_is_refused_with_the_reason(owner, front_desk, login):
    invoice = issued_invoice(owner)
    services.invoice_void(actor=owner, invoice=invoice, reason="Wrong client")

    response = _pay(login(front_desk), invoice, "10")

    assert response.status_code == 400
    assert "This invoice is void: it takes no payment." in response.content.decode()
    assert not Payment.objects.exists()


def test_a_manager_voids_an_unpaid_invoice_and_a_reason_is_required(owner, manager, login):
    invoice = issued_invoice(owner)
    browser = login(manager)
    url = reverse("billing:invoice-void", args=[invoice.pk])

    response = browser.post(url, {"void-reason": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()

    assert browser.post(url, {"void-reason": "Issued twice"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID


def test_an_invoice_with_a_payment_cannot_be_voided_but_can_be_written_off(owner, login):
    invoice = issued_invoice(owner)
    services.payment_record(actor=owner, invoice=invoice, amount_minor=1000, method="cash")
    browser = login(owner)

    response = browser.post(
        reverse("billing:invoice-void", args=[invoice.pk]), {"void-reason": "Oops"}
    )
    assert response.status_code == 400
    assert "refund the payment instead of voiding" in response.content.decode()

    browser.post(
        reverse("billing:invoice-write-off", args=[invoice.pk]), {"write_off-reason": "Moved"}
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.UNCOLLECTIBLE


def test_the_desk_may_not_void_or_write_off(owner, front_desk, login):
    invoice = issued_invoice(owner)
    browser = login(front_desk)

    assert (
        browser.post(
            reverse("billing:invoice-void", args=[invoice.pk]), {"void-reason": "x"}
        ).status_code
        == 403
    )
    assert browser.post(reverse("billing:invoice-write-off", args=[invoice.pk])).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_the_invoice_page_costs_the_same_queries_with_one_payment_or_many(
    owner, login, django_assert_max_num_queries
):
    invoice = issued_invoice(owner, price=10000)
    browser = login(owner)
    services.payment_record(actor=owner, invoice=invoice, amount_minor=100, method="cash")
    with django_assert_max_num_queries(20) as few:
        browser.get(_page(invoice))
    for _ in range(8):
        payment = services.payment_record(
            actor=owner, invoice=invoice, amount_minor=100, method="cash"
        )
        services.refund_record(actor=owner, payment=payment, amount_minor=50, reason="Sorry")
    with django_assert_max_num_queries(len(few.captured_queries)):
        browser.get(_page(invoice))


# --- Refunds --------------------------------------------------------------------------------


def test_an_owner_refunds_part_of_a_cash_payment_with_a_credit_note(owner, login):
    invoice = issued_invoice(owner)
    payment = services.payment_record(
        actor=owner, invoice=invoice, amount_minor=5000, method="cash"
    )
    browser = login(owner)
    url = reverse("billing:payment-refund", args=[payment.pk])

    assert 'value="50.00"' in browser.get(url).content.decode()  # all of it, to start with
    response = browser.post(url, {"amount": "60", "reason": "Class cancelled"})
    assert response.status_code == 400
    assert "At most £50.00 of this payment can be refunded." in response.content.decode()
    assert 'value="Class cancelled"' in response.content.decode()

    assert browser.post(url, {"amount": "15.50", "reason": "Class cancelled"}).status_code == 302
    refund = Refund.objects.get()
    assert refund.amount_minor == 1550 and refund.credit_note.number.startswith("CN-")
    page = browser.get(_page(invoice)).content.decode()
    assert "£15.50 refunded" in page and refund.credit_note.number in page


def test_the_desk_cannot_refund(owner, front_desk, login):
    invoice = issued_invoice(owner)
    payment = services.payment_record(
        actor=owner, invoice=invoice, amount_minor=5000, method="cash"
    )
    browser = login(front_desk)

    assert "refund-link" not in browser.get(_page(invoice)).content.decode()
    response = browser.post(
        reverse("billing:payment-refund", args=[payment.pk]), {"amount": "5", "reason": "x"}
    )
    assert response.status_code == 403 and not Refund.objects.exists()


def test_a_card_payment_is_refunded_through_stripe_which_says_when_it_is_not_set_up(
    owner, login, settings
):
    settings.STRIPE_SECRET_KEY = ""
    invoice = issued_invoice(owner)
    payment = Payment.objects.create(
        invoice=invoice,
        client=invoice.client,
        method=PaymentMethod.STRIPE,
        amount_minor=5000,
        currency="GBP",
        received_at=timezone.now(),
        stripe_payment_intent="pi_test_1",
    )
    browser = login(owner)
    url = reverse("billing:payment-refund", args=[payment.pk])

    assert "Card payments are not set up" in browser.get(url).content.decode()
    response = browser.post(url, {"amount": "5", "reason": "Sorry"})
    assert response.status_code == 400 and not Refund.objects.exists()


# --- PDFs and emails ------------------------------------------------------------------------


def test_the_pdf_is_a_download_that_is_never_sniffed(owner, front_desk, login):
    invoice = issued_invoice(owner)

    response = login(front_desk).get(reverse("billing:invoice-pdf", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF")


def test_a_credit_note_pdf_is_served_to_the_money_roles_only(owner, trainer, login):
    invoice = issued_invoice(owner)
    payment = services.payment_record(
        actor=owner, invoice=invoice, amount_minor=5000, method="cash"
    )
    note = services.refund_record(
        actor=owner, payment=payment, amount_minor=100, reason="x"
    ).credit_note
    url = reverse("billing:credit-note-pdf", args=[note.pk])

    response = login(owner).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{note.number}.pdf"'
    assert login(trainer).get(url).status_code == 403


def test_email_again_queues_the_invoice_email_after_the_commit(
    owner, login, django_capture_on_commit_callbacks
):
    invoice = issued_invoice(owner)
    emails = DBTaskResult.objects.filter(task_path__endswith="send_invoice_email")
    before = emails.count()  # the one queued when it was issued

    with django_capture_on_commit_callbacks(execute=True):
        response = login(owner).post(
            reverse("billing:invoice-email", args=[invoice.pk]), follow=True
        )

    assert f"will be emailed to {invoice.client.email}" in response.content.decode()
    assert emails.count() == before + 1
    assert emails.latest("enqueued_at").args_kwargs["kwargs"] == {"invoice_id": invoice.pk}
