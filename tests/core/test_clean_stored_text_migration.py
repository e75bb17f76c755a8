"""Text stored before control and hidden characters were refused is cleaned on upgrade."""

import importlib

import pytest
from django.apps import apps

from fitnesscrm.clients.models import Client, Tag, TimelineEntry
from fitnesscrm.scheduling.models import Session
from tests.factories import MemberFactory, SessionFactory, TagFactory, TimelineEntryFactory

migration = importlib.import_module("fitnesscrm.core.migrations.0003_clean_stored_text")

pytestmark = pytest.mark.django_db


def test_old_rows_are_cleaned_so_that_they_can_be_saved_again():
    ann = MemberFactory(first_name="Ann", last_name="Lee")
    session = SessionFactory(title="Spin")
    note = TimelineEntryFactory(client=ann, body="fine")
    TagFactory(name="VIP")
    tag = TagFactory(name="Morning")
    # Written as an older release could: straight into the database.
    Client.objects.filter(pk=ann.pk).update(first_name="Ann\t", last_name="Le\u202ee\x1b")
    Session.objects.filter(pk=session.pk).update(title="Spin\r\nBcc: x@example.com")
    TimelineEntry.objects.filter(pk=note.pk).update(body="Knee:\tfine\r\nBack:\x07 sore")
    Tag.objects.filter(pk=tag.pk).update(name="VIP\u200b")  # cleaned, it would clash

    migration.clean(apps, None)

    ann.refresh_from_db()
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")
    assert Session.objects.get(pk=session.pk).title == "Spin  Bcc: x@example.com"
    # Notes keep their tabs and line breaks; only the bell goes.
    assert TimelineEntry.objects.get(pk=note.pk).body == "Knee:\tfine\r\nBack: sore"
    assert Tag.objects.get(pk=tag.pk).name == "VIP\u200b"
    ann.save()  # accepted again
