"""The password rule: 12 to 128 characters for staff, 8 to 128 for clients, no common
passwords, no composition rules; applied wherever a password is set, and shown there."""

import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from fitnesscrm.accounts import services
from fitnesscrm.accounts.models import User
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.roles import STAFF_ROLES, Role
from fitnesscrm.trainers import services as trainer_services
from tests.factories import PASSWORD, UserFactory

CHANGE_URL = "/account/password/change/"
# A phrase that is no common password and looks like no email address.
PHRASE = "violet-orbit-pancake-harbour-" * 6


def of_length(n: int) -> str:
    return PHRASE[:n]


def valid(password: str, user) -> bool:
    try:
        validate_password(password, user)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("role", "length", "accepted"),
    [
        *[(role, n, ok) for role in STAFF_ROLES for n, ok in ((11, False), (12, True))],
        (Role.OWNER, 128, True),
        (Role.OWNER, 129, False),
        (Role.TRAINER, 128, True),
        (Role.TRAINER, 129, False),
        (Role.CLIENT, 7, False),
        (Role.CLIENT, 8, True),
        (Role.CLIENT, 11, True),
        (Role.CLIENT, 128, True),
        (Role.CLIENT, 129, False),
    ],
)
def test_the_length_rule_depends_on_the_role(role, length, accepted, db):
    user = User(email="someone@example.test", full_name="Someone", role=role)

    assert valid(of_length(length), user) is accepted


def test_the_messages_say_what_is_needed(db):
    staff = User(email="a@example.test", role=Role.TRAINER)
    client = User(email="b@example.test", role=Role.CLIENT)

    with pytest.raises(ValidationError, match="staff accounts need at least 12 characters"):
        validate_password(of_length(11), staff)
    with pytest.raises(ValidationError, match="client accounts need at least 8 characters"):
        validate_password(of_length(7), client)
    with pytest.raises(ValidationError, match="at most 128 characters"):
        validate_password(of_length(129), client)


def test_without_a_user_the_stricter_staff_rule_applies(db):
    assert not valid(of_length(11), None)
    assert valid(of_length(12), None)


@pytest.mark.parametrize("common", ["qwerty123456", "1q2w3e4r5t6y", "password"])
def test_a_common_password_is_refused_whatever_its_length(common, db):
    client = User(email="b@example.test", role=Role.CLIENT)

    with pytest.raises(ValidationError, match="too common"):
        validate_password(common, client)


@pytest.mark.parametrize(
    "password",
    ["all lowercase words here", "839274619305", "ÄÖÜ ß 𝄞 émoji 🙂 ok", "NOLOWERCASEATALL"],
)
def test_there_are_no_composition_rules(password, db):
    assert valid(password, User(email="a@example.test", role=Role.OWNER))


# --- Words about the business ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "role"),
    [
        ("FitnessCRM2026!", Role.TRAINER),  # the product and a year
        ("f1tn3ss-gym-2026", Role.OWNER),  # look-alike digits read as letters
        ("Studio2024", Role.CLIENT),
        ("MyGymRocks!!", Role.MANAGER),  # "myrocks!!" alone is too short for staff
        ("gym12345678", Role.CLIENT),  # numbers alone do not make up for it
        ("Harbourside Fitness 2026", Role.OWNER),  # the business's name (set below)
        ("OakStreetStrong", Role.TRAINER),  # a word the operator listed
    ],
)
def test_a_password_made_mostly_of_words_about_the_business_is_refused(
    password, role, db, settings
):
    from fitnesscrm.billing.models import BillingSettings

    settings.PASSWORD_CONTEXT_WORDS = ["Oak Street"]
    BillingSettings.objects.update_or_create(pk=1, defaults={"business_name": "Harbourside"})
    with pytest.raises(ValidationError, match="mostly words anyone would try for this business"):
        validate_password(password, User(email="x@example.test", role=role))


@pytest.mark.parametrize(
    ("password", "role"),
    [
        ("correct horse battery gym", Role.TRAINER),  # the rest is long enough
        ("MyGymRocks!!", Role.CLIENT),  # 9 characters left: enough for a client
        (PHRASE[:40], Role.OWNER),
    ],
)
def test_a_word_about_the_business_inside_a_long_enough_password_is_fine(password, role, db):
    assert valid(password, User(email="x@example.test", role=role))


def test_the_message_names_the_words_and_what_is_needed(db):
    with pytest.raises(ValidationError) as refused:
        validate_password("GymFitness2026", User(email="x@example.test", role=Role.TRAINER))
    assert refused.value.messages == [
        "This password is mostly words anyone would try for this business (“fitness”, “gym”): "
        "without them it needs at least 12 characters."
    ]


# --- Everywhere a password is set ----------------------------------------------------------


def test_changing_a_staff_password_needs_12_characters_and_says_so(trainer, login):
    client = login(trainer)

    page = client.get(CHANGE_URL).content.decode()
    assert "Use 12 to 128 characters" in page

    short = of_length(11)
    response = client.post(
        CHANGE_URL,
        {"old_password": PASSWORD, "new_password1": short, "new_password2": short},
    )

    assert response.status_code == 200
    assert "need at least 12 characters" in str(response.context["form"].errors["new_password2"])
    trainer.refresh_from_db()
    assert trainer.check_password(PASSWORD)


def test_a_client_may_choose_8_characters_and_is_told_so(client_user, login):
    client = login(client_user)
    assert "Use 8 to 128 characters" in client.get(CHANGE_URL).content.decode()
    new = of_length(8)

    response = client.post(
        CHANGE_URL, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 302
    client_user.refresh_from_db()
    assert client_user.check_password(new)


def reset_form(user) -> tuple[Client, str]:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    client = Client()
    return client, client.get(f"/account/password/reset/{uid}/{token}/")["Location"]


@pytest.mark.parametrize(("role", "short", "enough"), [(Role.MANAGER, 11, 12), (Role.CLIENT, 7, 8)])
def test_a_reset_or_an_invitation_link_applies_the_rule_of_the_role(role, short, enough, db):
    user = UserFactory(role=role, email=f"{role.value}@example.test")
    client, form_url = reset_form(user)
    assert f"Use {enough} to 128 characters" in client.get(form_url).content.decode()

    refused = client.post(
        form_url, {"new_password1": of_length(short), "new_password2": of_length(short)}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    accepted = client.post(
        form_url, {"new_password1": of_length(enough), "new_password2": of_length(enough)}
    )
    assert accepted.status_code == 302
    user.refresh_from_db()
    assert user.check_password(of_length(enough))


def test_createadmin_refuses_a_password_shorter_than_12(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(of_length(11) + "\n"))

    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("createadmin", "--email", "boss@example.test", "--password-stdin")
    assert not User.objects.filter(email="boss@example.test").exists()


def test_createadmin_accepts_12_characters(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(of_length(12) + "\n"))

    call_command("createadmin", "--email", "boss@example.test", "--password-stdin")

    assert User.objects.get(email="boss@example.test").check_password(of_length(12))


def test_creating_staff_with_a_password_applies_the_staff_rule(owner):
    with pytest.raises(ApplicationError, match="at least 12 characters"):
        trainer_services.staff_create(
            actor=owner,
            email="new@example.test",
            full_name="New Coach",
            role=Role.TRAINER,
            password=of_length(11),
        )
    assert not User.objects.filter(email="new@example.test").exists()


def test_creating_a_client_login_with_a_password_applies_the_client_rule(db):
    with pytest.raises(ApplicationError, match="at least 8 characters"):
        services.user_create(
            email="member@example.test",
            full_name="Member",
            role=Role.CLIENT,
            password=of_length(7),
        )
    user = services.user_create(
        email="member@example.test", full_name="Member", role=Role.CLIENT, password=of_length(8)
    )
    assert user.check_password(of_length(8))
