"""The Django admin refuses unsafe text at the field, like every other form."""

import pytest
from django import forms
from django.contrib import admin

from fitnesscrm.accounts.models import Role
from fitnesscrm.clients.models import Tag
from fitnesscrm.core.admin import StoredTextForm
from fitnesscrm.trainers.models import Certification
from tests.factories import ClientFactory, TrainerFactory, UserFactory

RLO_NAME = "VIP\u202egpj.exe"


def filled_in(page) -> dict:
    """What the admin's change form sends back unchanged."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.FileField) or value is None:
            continue
        data[name] = value
    return data


@pytest.fixture
def owner_admin(db, login):
    return login(UserFactory(role=Role.OWNER, is_superuser=True, email="admin@example.test"))


def test_every_admin_page_and_inline_uses_the_stored_text_form():
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("fitnesscrm."):
            continue
        assert issubclass(model_admin.form, StoredTextForm), model
        for inline in model_admin.inlines:
            assert issubclass(inline.form, StoredTextForm), (model, inline)


def test_a_tag_name_with_a_right_to_left_override_is_refused_at_the_field(owner_admin):
    page = owner_admin.post("/admin/clients/tag/add/", {"name": RLO_NAME, "colour": "#112233"})

    assert page.status_code == 200
    assert "Invisible formatting characters are not allowed here" in page.content.decode()
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in page.content.decode()
    assert page.context["adminform"].form.errors.keys() == {"name"}
    assert not Tag.objects.exists()

    page = owner_admin.post("/admin/clients/tag/add/", {"name": "VIP", "colour": "#112233"})
    assert page.status_code == 302
    assert Tag.objects.get().name == "VIP"


def test_a_header_in_a_client_name_is_refused_and_the_client_is_unchanged(owner_admin):
    client = ClientFactory(first_name="Ann", last_name="Lee", goals="Get stronger")
    data = filled_in(owner_admin.get(f"/admin/clients/client/{client.pk}/change/"))
    data.update(first_name="Ann\r\nBcc: everyone@example.test", goals="Run 5 km\nthen 10 km")

    page = owner_admin.post(f"/admin/clients/client/{client.pk}/change/", data)

    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert list(errors) == ["first_name"]
    assert "Line breaks are not allowed here" in errors["first_name"][0]
    client.refresh_from_db()
    assert client.first_name == "Ann"
    assert client.goals == "Get stronger"


def test_a_certification_added_inline_is_checked_too(owner_admin):
    trainer = TrainerFactory()
    url = f"/admin/trainers/trainer/{trainer.pk}/change/"
    data = filled_in(owner_admin.get(url))
    data.update(
        {
            "certifications-TOTAL_FORMS": "1",
            "certifications-INITIAL_FORMS": "0",
            "certifications-MIN_NUM_FORMS": "0",
            "certifications-MAX_NUM_FORMS": "1000",
            "certifications-0-name": "CPR\u200b Level 2",
            "certifications-0-issuer": "Red Cross",
        }
    )

    page = owner_admin.post(url, data)

    assert page.status_code == 200
    assert "U+200B ZERO WIDTH SPACE" in page.content.decode()
    assert not Certification.objects.filter(trainer=trainer).exists()
