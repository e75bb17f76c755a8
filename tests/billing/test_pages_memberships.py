"""The memberships list and the billing section of a client's page: trainers see their own
clients' membership status and credits, never an amount; the money roles see invoices too."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.billing import services
from fitnesscrm.billing.models import CreditGrant, Membership, MembershipStatus
from tests.billing.test_pages_invoices import issued_invoice
from tests.factories import (
    AssignmentFactory,
    MemberFactory,
    PackFactory,
    ProductFactory,
    TrainerFactory,
)

pytestmark = pytest.mark.django_db


def membership(client, *, status=MembershipStatus.ACTIVE, price=4500) -> Membership:
    today = timezone.localdate()
    return Membership.objects.create(
        client=client,
        product=ProductFactory(),
        status=status,
        price_minor=price,
        currency="GBP",
        interval="month",
        anchor_day=min(today.day, 28),
        started_on=today,
        current_period_start=today,
        current_period_end=today + timedelta(days=30),
    )


def credits(client, n):
    return CreditGrant.objects.create(
        client=client, product=PackFactory(), credits=10, remaining=n, expires_on=None
    )


def test_the_list_shows_status_price_and_credits_to_the_desk(front_desk, login):
    ada = MemberFactory(first_name="Ada")
    membership(ada, price=3999)
    credits(ada, 3)
    membership(MemberFactory(first_name="Bo"), status=MembershipStatus.PAST_DUE)

    body = login(front_desk).get(reverse("billing:memberships")).content.decode()

    assert "2 memberships" in body
    assert "£39.99 monthly" in body and "Payment failed" in body
    assert ">3</td>" in body


def test_the_list_filters_by_status_and_client(owner, login):
    membership(MemberFactory(first_name="Ada", last_name="Lovelace"))
    membership(MemberFactory(first_name="Bo"), status=MembershipStatus.PAUSED)
    browser = login(owner)

    assert (
        "1 membership<"
        in browser.get(reverse("billing:memberships"), {"status": "paused"}).content.decode()
    )
    body = browser.get(reverse("billing:memberships"), {"q": "lovelace"}).content.decode()
    assert "Ada Lovelace" in body and "Bo " not in body


def test_a_trainer_sees_only_their_clients_memberships_and_no_amounts(trainer, login):
    coach = TrainerFactory(user=trainer)
    mine = MemberFactory(first_name="Mina")
    AssignmentFactory(client=mine, trainer=coach)
    membership(mine, price=5555)
    membership(MemberFactory(first_name="Sven"))

    body = login(trainer).get(reverse("billing:memberships")).content.decode()

    assert "Mina" in body and "Active" in body
    assert "Sven" not in body and "£55.55" not in body and "Price" not in body


def test_the_list_costs_the_same_queries_for_few_or_many(
    owner, login, django_assert_max_num_queries
):
    browser = login(owner)
    for _ in range(2):
        client = MemberFactory()
        membership(client)
        credits(client, 2)
    with django_assert_max_num_queries(12) as few:
        browser.get(reverse("billing:memberships"))
    for _ in range(15):
        client = MemberFactory()
        membership(client)
        credits(client, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser.get(reverse("billing:memberships"))
    assert "17 memberships" in response.content.decode()


# --- The client's page ----------------------------------------------------------------------


def test_the_client_page_shows_the_desk_memberships_credits_invoices_and_payments(
    owner, front_desk, login
):
    client = MemberFactory()
    membership(client, price=4500)
    credits(client, 4)
    invoice = issued_invoice(owner, client=client)
    services.payment_record(actor=owner, invoice=invoice, amount_minor=1500, method="cash")

    body = login(front_desk).get(reverse("clients:detail", args=[client.pk])).content.decode()

    assert 'data-testid="client-billing"' in body
    assert "£45.00 monthly" in body and "Class credits left: <strong>4</strong>" in body
    assert invoice.number in body and "£35.00 due" in body
    assert "£15.00 by cash" in body
    assert f"?client={client.pk}" in body  # new invoice and all invoices for this client


def test_the_clients_trainer_sees_the_membership_status_and_no_money(owner, trainer, login):
    coach = TrainerFactory(user=trainer)
    client = MemberFactory()
    AssignmentFactory(client=client, trainer=coach)
    membership(client, price=4500)
    credits(client, 2)
    invoice = issued_invoice(owner, client=client)

    body = login(trainer).get(reverse("clients:detail", args=[client.pk])).content.decode()

    assert "Active" in body and "Class credits left: <strong>2</strong>" in body
    assert "£45.00" not in body and invoice.number not in body and "New invoice" not in body
