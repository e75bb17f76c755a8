"""A client's own profile in the portal: their record, no health notes, consent toggles."""

import pytest

from fitnesscrm.clients.models import EntryKind
from fitnesscrm.core.models import AuditEntry
from tests.factories import AssignmentFactory, ClientFactory, TrainerFactory

PROFILE = "/portal/profile/"


@pytest.fixture
def own(client_user):
    """The client user's own record, with a trainer and some health notes."""
    record = ClientFactory(
        user=client_user,
        first_name="Cleo",
        last_name="Client",
        goals="Swim 2 km",
        health_notes="PRIVATE-HEALTH",
        injuries="PRIVATE-INJURY",
        phone="+447911123456",
    )
    AssignmentFactory(client=record, trainer=TrainerFactory(user__full_name="Kwame Mensah"))
    return record


def test_a_client_sees_their_own_details_goals_and_trainers(own, client_user, login):
    ClientFactory(first_name="Somebody", last_name="Else")

    body = login(client_user).get(PROFILE).content.decode()

    assert 'data-testid="profile-name">Cleo Client<' in body
    assert "+44 7911 123456" in body
    assert "Swim 2 km" in body
    assert "Kwame Mensah" in body
    assert "Somebody" not in body


def test_a_client_does_not_see_health_notes_on_their_profile(own, client_user, login):
    body = login(client_user).get(PROFILE).content.decode()

    assert "PRIVATE-HEALTH" not in body
    assert "PRIVATE-INJURY" not in body
    assert 'name="health_notes"' not in body


def test_a_client_gives_and_withdraws_consent_with_the_time_kept(own, client_user, login):
    browser = login(client_user)

    response = browser.post(PROFILE, {"email_consent": "on"}, follow=True)

    own.refresh_from_db()
    assert own.email_consent is True and own.email_consent_at is not None
    assert own.sms_consent is False and own.sms_consent_at is None
    assert "Your choices are saved." in response.content.decode()
    assert "Given" in response.content.decode()

    browser.post(PROFILE, {})

    own.refresh_from_db()
    assert own.email_consent is False and own.email_consent_at is not None
    entries = list(own.timeline.filter(kind=EntryKind.SYSTEM).values_list("body", flat=True))
    assert "Marketing consent changed by the client: email given." in entries
    assert "Marketing consent changed by the client: email withdrawn." in entries
    audits = AuditEntry.objects.filter(action="client.consent", actor=client_user)
    assert audits.count() == 2


def test_saving_the_same_choices_again_changes_nothing(own, client_user, login):
    browser = login(client_user)
    browser.post(PROFILE, {"sms_consent": "on"})
    own.refresh_from_db()
    first_time = own.sms_consent_at

    browser.post(PROFILE, {"sms_consent": "on"})

    own.refresh_from_db()
    assert own.sms_consent_at == first_time
    assert AuditEntry.objects.filter(action="client.consent").count() == 1


def test_the_profile_form_changes_only_consent(own, client_user, login):
    login(client_user).post(
        PROFILE, {"first_name": "Hacked", "health_notes": "x", "email_consent": "on"}
    )

    own.refresh_from_db()
    assert own.first_name == "Cleo"
    assert own.health_notes == "PRIVATE-HEALTH"


def test_a_client_without_a_record_is_told_so_and_sees_nobody_elses(own, outsider, login):
    browser = login(outsider)

    body = browser.get(PROFILE).content.decode()
    after_post = browser.post(PROFILE, {"email_consent": "on"})

    assert 'data-testid="no-profile"' in body
    assert "Cleo" not in body
    assert after_post.status_code == 200
    own.refresh_from_db()
    assert own.email_consent is False


def test_the_consent_service_refuses_staff(owner, own):
    from fitnesscrm.clients.services import client_set_own_consent
    from fitnesscrm.core.errors import Forbidden

    with pytest.raises(Forbidden):
        client_set_own_consent(actor=owner, email_consent=True, sms_consent=True)


def test_the_client_portal_menu_links_to_the_profile(own, client_user, login):
    body = login(client_user).get("/portal/").content.decode()

    assert 'href="/portal/profile/"' in body
