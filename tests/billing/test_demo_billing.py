"""The demo gym's money: plans, memberships, invoices paid and owed, all through the services."""

import io

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from fitnesscrm.accounts.models import User
from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import Invoice, InvoiceStatus, Membership, Product, Refund
from fitnesscrm.scheduling.models import Access, ClassType

pytestmark = pytest.mark.django_db


def test_the_demo_prints_its_billing_and_loads_it_once(loaded_demo):
    assert "Demo billing:" in loaded_demo
    again = io.StringIO()
    call_command("loaddemo", stdout=again)
    assert "Demo billing: already there." in again.getvalue()


def test_invoices_are_numbered_without_gaps_and_some_money_is_owed(loaded_demo):
    sequences = sorted(Invoice.objects.exclude(sequence=None).values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert Invoice.objects.filter(status=InvoiceStatus.PAID).count() > 50
    assert Invoice.objects.filter(status=InvoiceStatus.OPEN).exists()
    assert Refund.objects.count() == 1


def test_the_demo_client_is_a_member_in_good_standing(loaded_demo):
    chloe = User.objects.get(email="client@demo.fitnesscrm.test").client_profile
    assert selectors.active_membership(chloe.pk) is not None
    assert Invoice.objects.filter(client=chloe, status=InvoiceStatus.PAID).exists()


def test_plans_packs_and_paid_classes_are_set_up_and_no_old_invoice_is_emailed(loaded_demo):
    assert Product.objects.filter(kind="membership").count() == 3
    assert Membership.objects.count() > 100
    assert ClassType.objects.filter(access=Access.PAID).exists()
    assert not DBTaskResult.objects.filter(task_path__endswith="send_invoice_email").exists()
