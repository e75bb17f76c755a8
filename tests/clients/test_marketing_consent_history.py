"""Every change of a marketing consent, wherever it is made, leaves a ConsentRecord: the
history the client's privacy page shows and a data-protection officer asks for."""

import pytest

from fitnesscrm.clients import services
from fitnesscrm.clients.models import ConsentKind, ConsentMethod, ConsentRecord
from tests.factories import ClientFactory

PROFILE = "/portal/profile/"


def history(client) -> list[tuple[str, bool, str]]:
    return [
        (record.kind, record.granted, record.method)
        for record in ConsentRecord.objects.filter(client=client).order_by("id")
    ]


def test_a_client_changing_their_consent_in_the_portal_leaves_a_record_each_time(
    client_user, login
):
    own = ClientFactory(user=client_user, email_consent=False, sms_consent=False)
    browser = login(client_user)

    browser.post(PROFILE, {"email_consent": "on", "sms_consent": "on"})
    browser.post(PROFILE, {"email_consent": "on"})
    browser.post(PROFILE, {"email_consent": "on"})  # no change, no record

    assert history(own) == [
        (ConsentKind.EMAIL_MARKETING, True, ConsentMethod.PORTAL),
        (ConsentKind.SMS_MARKETING, True, ConsentMethod.PORTAL),
        (ConsentKind.SMS_MARKETING, False, ConsentMethod.PORTAL),
    ]
    given = ConsentRecord.objects.get(client=own, kind=ConsentKind.EMAIL_MARKETING)
    assert "by email" in given.wording
    assert given.recorded_by == client_user


def test_staff_ticking_the_boxes_on_the_clients_form_record_it_as_given_in_person(owner):
    created = services.client_create(
        actor=owner, first_name="Ana", last_name="Lopes", email="ana@example.com", sms_consent=True
    )
    services.client_update(actor=owner, client=created, email_consent=True, sms_consent=False)
    services.client_update(actor=owner, client=created, first_name="Ana María")

    assert history(created) == [
        (ConsentKind.SMS_MARKETING, True, ConsentMethod.IN_PERSON),
        (ConsentKind.EMAIL_MARKETING, True, ConsentMethod.IN_PERSON),
        (ConsentKind.SMS_MARKETING, False, ConsentMethod.IN_PERSON),
    ]


@pytest.mark.django_db
def test_a_client_created_without_consent_has_no_record(owner):
    created = services.client_create(actor=owner, first_name="Bo", last_name="Ng")

    assert history(created) == []
