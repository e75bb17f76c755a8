"""`fitnesscrm seed_sessions`: a deep calendar for benchmarks that keeps the no-overlap rule."""

import io
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command

from fitnesscrm.scheduling.models import Session
from tests.factories import SessionFactory, TrainerFactory

pytestmark = pytest.mark.django_db


def test_it_adds_sessions_across_the_trainers_without_overlaps():
    first, second = TrainerFactory(), TrainerFactory()
    existing = SessionFactory(trainer=first)
    out, err = io.StringIO(), io.StringIO()

    call_command("seed_sessions", "--sessions", "500", "--batch", "120", stdout=out, stderr=err)

    assert "Added 500 sessions for 2 trainers" in out.getvalue()
    assert "500/500 100%" in err.getvalue()
    assert Session.objects.count() == 501
    for trainer in (first, second):
        spans = list(
            Session.objects.filter(trainer=trainer)
            .order_by("starts_at")
            .values_list("starts_at", "ends_at")
        )
        assert all(a[1] <= b[0] for a, b in pairwise(spans))
    # Seeded sessions come before what the trainer already had.
    assert (
        Session.objects.exclude(pk=existing.pk).filter(starts_at__gte=existing.starts_at).count()
        == 0
    )


def test_it_needs_a_trainer():
    with pytest.raises(CommandError, match="No active trainers"):
        call_command("seed_sessions", "--sessions", "10", stdout=io.StringIO())
