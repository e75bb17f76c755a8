"""Merging two client records: the duplicate's measurements, goals and consents move over.

Registered in clients.services.MERGE_HOOKS; runs inside client_merge's transaction.
Consent records keep their times, so after the merge the newest grant or withdrawal of
either record is the one in force. Progress photos are moved by their own hook.
"""

from fitnesscrm.clients.models import Client, ConsentRecord
from fitnesscrm.progress.models import Goal, Measurement


def progress_merge(*, duplicate: Client, survivor: Client) -> None:
    Measurement.objects.filter(client=duplicate).update(client=survivor)
    Goal.objects.filter(client=duplicate).update(client=survivor)
    ConsentRecord.objects.filter(client=duplicate).update(client=survivor)
