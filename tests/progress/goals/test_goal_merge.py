"""Merging two client records moves the duplicate's measurements, goals and consents."""

from fitnesscrm.clients.consent import has_health_consent
from fitnesscrm.progress.models import Goal, Measurement
from fitnesscrm.progress.services.merge import progress_merge
from tests.factories import ClientFactory, GoalFactory, MeasurementFactory, give_health_consent


def test_the_duplicates_progress_moves_to_the_survivor(db):
    survivor, duplicate = ClientFactory(), ClientFactory()
    give_health_consent(duplicate)
    MeasurementFactory(client=duplicate)
    GoalFactory(client=duplicate)
    MeasurementFactory(client=survivor)

    progress_merge(duplicate=duplicate, survivor=survivor)

    assert Measurement.objects.filter(client=survivor).count() == 2
    assert Goal.objects.filter(client=survivor).count() == 1
    assert not Measurement.objects.filter(client=duplicate).exists()
    assert has_health_consent(survivor) and not has_health_consent(duplicate)
