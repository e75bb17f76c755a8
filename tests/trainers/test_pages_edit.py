"""Editing a trainer profile, and the hourly rate typed as money but stored in minor units."""

import pytest
from django import forms

from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers.forms import MoneyField
from fitnesscrm.trainers.models import Trainer
from tests.factories import TrainerFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(trainer_or_id) -> str:
    return f"/trainers/{getattr(trainer_or_id, 'pk', trainer_or_id)}/edit/"


@pytest.fixture
def coach(trainer):
    return TrainerFactory(user=trainer, bio="Old bio.", hourly_rate_minor=4000, colour="#112233")


@pytest.fixture
def colleague():
    return TrainerFactory(user=UserFactory(role=Role.TRAINER, full_name="Cora Colleague"))


def full_form(**changes) -> dict:
    data = {
        "bio": "Strength and mobility.",
        "specializations": "Strength, Mobility",
        "hourly_rate": "45.50",
        "colour": "#aa3300",
        "is_active": "on",
    }
    data.update(changes)
    return data


# --- The money field -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("45.50", 4550), ("45.5", 4550), ("45", 4500), (" 0.99 ", 99), ("100000", 10_000_000)],
)
def test_a_rate_is_parsed_exactly_into_minor_units(typed, minor):
    assert MoneyField().clean(typed) == minor


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter an amount in GBP"),
        ("-1", "cannot be negative"),
        ("1e9", "Enter an amount in GBP"),
        ("45.555", "at most 2 decimal places"),
        ("1,000", "Use a dot for decimals"),
        ("100000.01", "At most 100,000 GBP"),
        ("NaN", "Enter an amount in GBP"),
        ("Infinity", "Enter an amount in GBP"),
    ],
)
def test_a_bad_rate_is_rejected_at_the_field_with_a_message(typed, message):
    with pytest.raises(forms.ValidationError) as exc:
        MoneyField().clean(typed)
    assert message in " ".join(exc.value.messages)


def test_a_currency_without_minor_units_takes_whole_amounts(settings):
    settings.CURRENCY = "JPY"

    assert MoneyField().clean("4500") == 4500
    with pytest.raises(forms.ValidationError):
        MoneyField().clean("4500.5")


# --- Who may edit ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_edit_the_whole_profile(users_by_role, login, coach, role):
    response = login(users_by_role[role]).post(url(coach), full_form())

    assert response.status_code == 302
    assert response["Location"] == f"/trainers/{coach.pk}/"
    coach.refresh_from_db()
    assert coach.hourly_rate_minor == 4550
    assert coach.colour == "#aa3300"
    assert coach.bio == "Strength and mobility."
    assert sorted(coach.specializations.values_list("name", flat=True)) == ["Mobility", "Strength"]
    entry = AuditEntry.objects.get(action="trainer.update")
    assert entry.changes["hourly_rate_minor"] == [4000, 4550]


def test_the_form_shows_the_stored_rate_as_money(owner, login, coach):
    html = login(owner).get(url(coach)).content.decode()

    assert 'value="40.00"' in html


def test_an_owner_can_deactivate_a_trainer_profile(owner, login, coach):
    data = full_form()
    del data["is_active"]

    login(owner).post(url(coach), data)

    coach.refresh_from_db()
    assert coach.is_active is False


@pytest.mark.parametrize("typed", ["abc", "-1", "1e9"])
def test_a_bad_rate_shows_the_form_again_and_changes_nothing(owner, login, coach, typed):
    response = login(owner).post(url(coach), full_form(hourly_rate=typed))

    assert response.status_code == 400
    assert response.context["form"].errors["hourly_rate"]
    coach.refresh_from_db()
    assert coach.hourly_rate_minor == 4000
    assert coach.bio == "Old bio."


def test_a_bio_over_the_limit_is_refused_with_a_message(owner, login, coach):
    response = login(owner).post(url(coach), full_form(bio="x" * 4001))

    assert response.status_code == 400
    assert "4000" in " ".join(response.context["form"].errors["bio"])


def test_a_trainer_edits_only_their_own_bio_and_specializations(trainer, login, coach):
    page = login(trainer).get(url(coach)).content.decode()
    assert 'name="hourly_rate"' not in page and 'name="is_active"' not in page

    response = login(trainer).post(
        url(coach),
        {"bio": "New bio.", "specializations": "Boxing", "hourly_rate": "999", "is_active": ""},
    )

    assert response.status_code == 302
    coach.refresh_from_db()
    assert coach.bio == "New bio."
    assert list(coach.specializations.values_list("name", flat=True)) == ["Boxing"]
    assert coach.hourly_rate_minor == 4000  # the posted rate is not theirs to change
    assert coach.is_active is True


def test_a_trainer_cannot_edit_a_colleague(trainer, login, coach, colleague):
    response = login(trainer).post(url(colleague), full_form(bio="Hijacked"))

    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.bio != "Hijacked"


def test_the_front_desk_cannot_edit_a_profile(front_desk, login, coach):
    assert login(front_desk).get(url(coach)).status_code == 403
    assert login(front_desk).post(url(coach), full_form()).status_code == 403


def test_clients_outsiders_and_anonymous_visitors_cannot_edit(
    client_user, outsider, login, client, coach
):
    assert login(client_user).post(url(coach), full_form()).status_code == 403
    assert login(outsider).get(url(coach)).status_code == 403
    assert client.get(url(coach)).status_code == 302
    assert Trainer.objects.get(pk=coach.pk).bio == "Old bio."


def test_a_guessed_trainer_id_is_a_404(owner, login):
    assert login(owner).get(url(424242)).status_code == 404
    assert login(owner).post(url(424242), full_form()).status_code == 404
