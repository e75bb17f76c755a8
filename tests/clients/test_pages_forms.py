"""Creating and editing a client: every field, health fields by role, errors at the field."""

import html
import re

import pytest
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, Status
from fitnesscrm.core.models import AuditEntry
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    TrainerFactory,
    give_health_consent,
)

NEW_URL = "/clients/new/"

FULL = {
    "first_name": "Zoë",
    "last_name": "Łukasz-Ørsted",
    "email": "Zoe@Example.test",
    "phone": "07911 123456",
    "date_of_birth": "1990-04-05",
    "status": "trial",
    "source": "referral",
    "tags": "Morning crew, VIP",
    "address_line1": "1 High Street",
    "address_line2": "Flat 2",
    "city": "Bristol",
    "postal_code": "BS1 1AA",
    "country": "gb",
    "emergency_contact_name": "Ann Ørsted",
    "emergency_contact_phone": "+44 7400 123456",
    "goals": "Run a 10k.",
    "email_consent": "on",
}


def field_error(body: str, field: str) -> str:
    """The message shown at `field`, or "" when there is none."""
    marker = f'id="id_{field}_error">'
    if marker not in body:
        return ""
    return html.unescape(body.split(marker, 1)[1].split("</div>", 1)[0])


@pytest.fixture(autouse=True)
def gb_phones(settings):
    settings.PHONE_REGION = "GB"


# --- Create -----------------------------------------------------------------------------


def test_the_desk_creates_a_client_with_every_field(front_desk, login):
    coach = TrainerFactory(user__full_name="Kwame Mensah")

    response = login(front_desk).post(NEW_URL, {**FULL, "trainer": coach.pk})

    client = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{client.pk}/"
    assert (client.first_name, client.last_name) == ("Zoë", "Łukasz-Ørsted")
    assert client.email == "zoe@example.test"
    assert client.phone == "+447911123456"
    assert client.emergency_contact_phone == "+447400123456"
    assert client.country == "GB"
    assert str(client.date_of_birth) == "1990-04-05"
    assert client.status == Status.TRIAL
    assert client.source == "referral"
    assert sorted(client.tags.values_list("name", flat=True)) == ["Morning crew", "VIP"]
    assert client.email_consent is True and client.email_consent_at is not None
    assert client.sms_consent is False and client.sms_consent_at is None
    assert client.assignments.get().trainer == coach
    assert client.created_by == front_desk
    assert AuditEntry.objects.filter(action="client.create", object_id=str(client.pk)).exists()


def test_the_new_client_page_says_so_after_saving(front_desk, login):
    response = login(front_desk).post(
        NEW_URL, {"first_name": "Ana", "status": "lead", "source": "other"}, follow=True
    )

    assert "Ana added." in response.content.decode()


def test_only_a_first_name_is_needed(front_desk, login):
    login(front_desk).post(
        NEW_URL, {"first_name": "Walk-in", "status": "lead", "source": "walk_in"}
    )

    assert Client.objects.get().full_name == "Walk-in"


@pytest.mark.parametrize("name", ["李小龙", "Zoë Ñandú", "O'Brien-Smythe", "Ева Петрова", "محمد"])
def test_unicode_names_are_kept_as_typed(name, front_desk, login):
    login(front_desk).post(NEW_URL, {**FULL, "first_name": name, "email": ""})

    assert Client.objects.get().first_name == name


@pytest.mark.parametrize("role", ["owner", "manager", "trainer"])
def test_the_new_client_form_has_no_health_fields_and_any_sent_are_refused(
    role, request, login, db
):
    user = request.getfixturevalue(role)
    if role == "trainer":
        TrainerFactory(user=user)
    browser = login(user)

    form = browser.get(NEW_URL).content.decode()
    response = browser.post(NEW_URL, {**FULL, "health_notes": "Asthma", "injuries": "Left knee"})

    assert 'name="health_notes"' not in form and 'name="injuries"' not in form
    # The form has no such fields, so what was sent is dropped: a new record has no consent.
    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.health_notes, client.injuries) == ("", "")


@pytest.mark.parametrize("role", ["owner", "manager", "trainer"])
def test_roles_with_health_access_fill_the_health_fields_once_the_client_consents(
    role, request, login, db
):
    user = request.getfixturevalue(role)
    client = ClientFactory(first_name="Ana")
    if role == "trainer":
        AssignmentFactory(client=client, trainer=TrainerFactory(user=user))
    give_health_consent(client)
    browser = login(user)

    form = browser.get(f"/clients/{client.pk}/edit/").content.decode()
    browser.post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Ana", "source": "other", "health_notes": "Asthma", "injuries": "Knee"},
    )

    assert 'name="health_notes"' in form and 'name="injuries"' in form
    client.refresh_from_db()
    assert (client.health_notes, client.injuries) == ("Asthma", "Knee")
    audit = AuditEntry.objects.get(action="client.update")
    assert audit.changes["health_notes"] == "changed"
    assert "Asthma" not in str(audit.changes)


def test_health_notes_for_a_client_without_consent_are_refused_at_the_field(owner, login):
    client = ClientFactory(first_name="Ana")

    response = login(owner).post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Ana", "source": "other", "health_notes": "Asthma"},
    )

    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert "has not agreed to health data being recorded" in body
    (textarea,) = re.findall(r"<textarea[^>]*name=\"health_notes\"[^>]*>", body)
    assert 'aria-invalid="true"' in textarea
    client.refresh_from_db()
    assert client.health_notes == ""


def test_the_front_desk_has_no_health_fields_and_any_sent_are_ignored(front_desk, login):
    browser = login(front_desk)

    form = browser.get(NEW_URL).content.decode()
    browser.post(NEW_URL, {**FULL, "health_notes": "Asthma", "injuries": "Knee"})

    assert 'name="health_notes"' not in form
    assert 'name="injuries"' not in form
    client = Client.objects.get()
    assert (client.health_notes, client.injuries) == ("", "")


def test_a_trainer_becomes_the_primary_trainer_of_a_client_they_add(trainer, login):
    profile = TrainerFactory(user=trainer)
    browser = login(trainer)

    form = browser.get(NEW_URL).content.decode()
    browser.post(NEW_URL, FULL)

    assert 'name="trainer"' not in form  # the desk chooses trainers, not trainers
    assignment = Assignment.objects.get()
    assert (assignment.trainer, assignment.is_primary) == (profile, True)


def test_a_trainer_without_a_trainer_profile_is_told_why_nothing_was_saved(trainer, login):
    response = login(trainer).post(NEW_URL, FULL)

    assert response.status_code == 400
    assert "no trainer profile" in response.content.decode()
    assert not Client.objects.exists()


# --- Errors at the field, nothing lost ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("first_name", "x" * 81, "At most 80 characters (this has 81)."),
        ("last_name", "y" * 90, "At most 80 characters (this has 90)."),
        ("goals", "g" * 4001, "At most 4000 characters (this has 4001)."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "12", "“12” is not"),
        ("phone", "call me maybe", "is not a"),
        ("emergency_contact_phone", "555", "“555” is not"),
        ("country", "GBR", "Use the two-letter country code, e.g. GB."),
        ("country", "1A", "Use the two-letter country code, e.g. GB."),
        ("date_of_birth", "2999-01-01", "The date of birth is in the future."),
        ("date_of_birth", "31/02/1990", "Enter a valid date."),
        ("source", "tiktok", "Select a valid choice."),
        ("tags", "ok, " + "t" * 41, "longer than 40 characters"),
    ],
)
def test_a_bad_value_is_shown_at_its_field_and_the_rest_is_kept(
    field, value, message, front_desk, login
):
    response = login(front_desk).post(NEW_URL, {**FULL, field: value})

    body = response.content.decode()
    assert response.status_code == 400
    assert message in field_error(body, field)
    assert 'aria-invalid="true"' in body
    assert not Client.objects.exists()
    # What was typed elsewhere is still there.
    for other in ("city", "goals", "emergency_contact_name"):
        if other != field:
            assert html.escape(FULL[other]) in body or FULL[other] in body


def test_over_long_text_keeps_what_was_typed_so_it_can_be_shortened(front_desk, login):
    long_goals = "Run a marathon. " * 300  # 4,800 characters

    body = login(front_desk).post(NEW_URL, {**FULL, "goals": long_goals}).content.decode()

    assert long_goals.strip() in body
    assert "At most 4000 characters" in field_error(body, "goals")


def test_a_duplicate_email_is_shown_at_the_email_field_whatever_its_case(front_desk, login):
    ClientFactory(email="zoe@example.test")

    response = login(front_desk).post(NEW_URL, {**FULL, "email": "ZOE@example.TEST"})

    assert response.status_code == 400
    assert "Another client already has this email." in field_error(
        response.content.decode(), "email"
    )
    assert Client.objects.count() == 1


# --- Edit -------------------------------------------------------------------------------------


def test_the_edit_form_shows_the_current_values(owner, login):
    client = ClientFactory(
        first_name="Ana", city="Leeds", goals="Lift", tags=[], health_notes="Asthma"
    )
    client.tags.create(name="VIP")

    body = login(owner).get(f"/clients/{client.pk}/edit/").content.decode()

    assert 'value="Ana"' in body
    assert 'value="Leeds"' in body
    assert "Lift</textarea>" in body
    assert 'value="VIP"' in body
    assert "Asthma</textarea>" in body
    assert 'name="status"' not in body  # status changes go through the record's page


def test_saving_the_edit_form_changes_the_record_and_audits_what_changed(front_desk, login):
    client = ClientFactory(first_name="Ana", city="Leeds", phone="+447911123456")

    response = login(front_desk).post(
        f"/clients/{client.pk}/edit/",
        {
            "first_name": "Anna",
            "city": "York",
            "phone": "07911 123456",
            "source": "website",
            "tags": "New, VIP",
        },
    )

    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.first_name, client.city, client.source) == ("Anna", "York", "website")
    assert sorted(client.tags.values_list("name", flat=True)) == ["New", "VIP"]
    audit = AuditEntry.objects.get(action="client.update")
    assert audit.changes["first_name"] == ["Ana", "Anna"]
    assert "phone" not in audit.changes  # the same number, typed differently


def test_the_front_desk_edits_without_seeing_or_touching_health_notes(front_desk, login):
    client = ClientFactory(first_name="Ana", health_notes="Secret asthma", injuries="Knee")
    browser = login(front_desk)

    form = browser.get(f"/clients/{client.pk}/edit/").content.decode()
    browser.post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Ana", "source": "other", "health_notes": "", "injuries": ""},
    )

    assert "Secret asthma" not in form
    client.refresh_from_db()
    assert (client.health_notes, client.injuries) == ("Secret asthma", "Knee")


def test_an_assigned_trainer_can_edit_health_notes(assigned_client, trainer, login):
    give_health_consent(assigned_client)
    login(trainer).post(
        f"/clients/{assigned_client.pk}/edit/",
        {"first_name": "Ada", "source": "other", "health_notes": "Bad back"},
    )

    assigned_client.refresh_from_db()
    assert assigned_client.health_notes == "Bad back"


def test_consent_given_and_withdrawn_in_the_edit_form_is_timed(front_desk, login):
    client = ClientFactory(first_name="Ana", email_consent=True, email_consent_at=None)
    browser = login(front_desk)

    browser.post(
        f"/clients/{client.pk}/edit/", {"first_name": "Ana", "source": "other", "sms_consent": "on"}
    )

    client.refresh_from_db()
    assert client.email_consent is False and client.email_consent_at is not None
    assert client.sms_consent is True and client.sms_consent_at is not None
    assert abs((timezone.now() - client.sms_consent_at).total_seconds()) < 60


def test_an_edit_with_an_error_keeps_the_typed_values_and_changes_nothing(front_desk, login):
    ClientFactory(email="taken@example.test")
    client = ClientFactory(first_name="Ana", email="ana@example.test", city="Leeds")

    response = login(front_desk).post(
        f"/clients/{client.pk}/edit/",
        {"first_name": "Anna", "email": "taken@example.test", "city": "York", "source": "other"},
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "Another client already has this email." in field_error(body, "email")
    assert 'value="Anna"' in body and 'value="York"' in body
    client.refresh_from_db()
    assert (client.first_name, client.city) == ("Ana", "Leeds")
