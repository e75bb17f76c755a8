"""Pieces every billing endpoint shares: amounts in and out, references, the Idempotency-Key.

Amounts go in as decimal numbers in major units ("12.50"), checked against the
currency's decimals; they come out both as integers of minor units (`*_minor`) and as
decimal strings, with the currency beside them.
"""

from datetime import datetime

from ninja import Field, Header, Schema

from fitnesscrm.core.idempotency import HEADER
from fitnesscrm.core.money import parse_amount, to_major

Amount = str | int | float

IDEMPOTENCY_HEADER = Header(
    None,
    alias=HEADER,
    description=(
        "Up to 255 characters. The same key and body within 24 hours answer the first status "
        "and body again and never act twice; the same key with another body answers 422 "
        "idempotency_key_reused."
    ),
)


def amount_in(value: Amount, currency: str, *, field: str = "amount") -> int:
    return parse_amount(value, currency, field=field)


def major(minor: int, currency: str) -> str:
    return str(to_major(minor, currency))


class ClientRef(Schema):
    id: int
    full_name: str


class Money(Schema):
    minor: int = Field(description="In minor units (pence, cents).")
    amount: str = Field(description="In major units, as a decimal string.")
    currency: str


def money(minor: int, currency: str) -> dict:
    return {"minor": minor, "amount": major(minor, currency), "currency": currency}


class InvoiceRef(Schema):
    id: int
    number: str | None
    status: str


class PaymentOut(Schema):
    id: int
    invoice: InvoiceRef
    client: ClientRef
    method: str
    status: str
    amount: Money
    refunded: Money
    reference: str
    received_at: datetime
    failure_message: str


def payment_out(payment) -> dict:
    return {
        "id": payment.pk,
        "invoice": {
            "id": payment.invoice_id,
            "number": payment.invoice.number,
            "status": payment.invoice.status,
        },
        "client": {"id": payment.client_id, "full_name": payment.client.full_name},
        "method": payment.method,
        "status": payment.status,
        "amount": money(payment.amount_minor, payment.currency),
        "refunded": money(payment.refunded_minor, payment.currency),
        "reference": payment.reference,
        "received_at": payment.received_at,
        "failure_message": payment.failure_message,
    }
