"""Erasure of a client's personal data (GDPR art. 17), keeping what tax law requires.

What happens, in one transaction (files go once it commits):

- deleted: notes and timeline, follow-up tasks, trainer assignments, consent records,
  measurements, goals, progress photos (rows and files, through their storage), the
  profile photo, programs made for the client, workout logs and records, calendar
  feeds, saved card details, data exports (and their files), tags on the record;
- kept under the pseudonym "Erased client #<id>": the client row itself (every
  personal field blanked, archived), invoices, credit notes, payments and refunds
  (the books must be kept), memberships, and bookings with attendance (class
  statistics);
- the login: deactivated, its email and name replaced, its password made unusable,
  its API keys and open sessions deleted;
- anything else: every text column of every table is searched for the client's
  name, email, phone and address, and each occurrence is replaced by "[erased]"
  (an invoice note, a session title, an audit entry, a queued email).

An ErasureRecord says who erased which client id when, with counts per category, and
holds no personal data. The audit entry does the same.
"""

import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from fitnesscrm.core.audit import audit_record

ERASED = "[erased]"
# Personal strings shorter than this are not searched for across the database: "Li"
# or "12" would match other people's text.
MIN_TOKEN = 5
TEXT_TYPES = ("CharField", "TextField", "EmailField", "SlugField", "URLField")


def pseudonym_of(client_id: int) -> str:
    return f"Erased client #{client_id}"


def _tokens(clients, user) -> list[str]:
    values = set()
    for client in clients:
        values |= {
            client.full_name,
            client.email,
            client.phone,
            client.phone.lstrip("+"),
            client.emergency_contact_name,
            client.emergency_contact_phone,
            client.address_line1,
            client.address_line2,
        }
    if user is not None:
        values |= {user.email, user.full_name}
    return sorted(
        {v.strip() for v in values if v and len(v.strip()) >= MIN_TOKEN}, key=len, reverse=True
    )


def _replace(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_replace(item, pattern) for item in value]
    if isinstance(value, dict):
        return {_replace(k, pattern): _replace(v, pattern) for k, v in value.items()}
    return value


def _sweep(tokens: list[str]) -> int:
    """Replace every occurrence of `tokens` in every text and JSON column; rows changed."""
    if not tokens:
        return 0
    pattern = re.compile("|".join(re.escape(t) for t in tokens), re.IGNORECASE)
    changed = 0
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        text = [f for f in model._meta.concrete_fields if f.get_internal_type() in TEXT_TYPES]
        json_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        if not text and not json_fields:
            continue
        query = Q()
        annotations = {}
        for field in text:
            for token in tokens:
                query |= Q(**{f"{field.attname}__icontains": token})
        for field in json_fields:
            alias = f"_privacy_{field.attname}_text"
            annotations[alias] = Cast(field.attname, TextField())
            for token in tokens:
                query |= Q(**{f"{alias}__icontains": token})
                # JSON text escapes what is not ASCII.
                escaped = token.encode("ascii", "backslashreplace").decode()
                if escaped != token:
                    query |= Q(**{f"{alias}__icontains": escaped})
        names = [f.attname for f in (*text, *json_fields)]
        rows = model._base_manager.annotate(**annotations).filter(query)
        for row in rows.only("pk", *names):
            updates = {}
            for name in names:
                old = getattr(row, name)
                new = _replace(old, pattern)
                if new != old:
                    updates[name] = new
            if updates:
                model._base_manager.filter(pk=row.pk).update(**updates)
                changed += 1
    return changed


def _delete_files(storage, names: list[str]) -> None:
    names = [name for name in names if name]
    if names:

        def delete() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(delete)


def _end_login(user, pseudonym: str, client_id: int) -> dict[str, int]:
    from fitnesscrm.accounts.models import ApiKey, UserSession
    from fitnesscrm.core.models import AuditEntry, IdempotentRequest

    keys, _ = ApiKey.objects.filter(user=user).delete()
    IdempotentRequest.objects.filter(user=user).delete()
    # Deactivating the account below ends every session it has (store and cache
    # included): accounts.session_tracking listens for that save.
    sessions = UserSession.objects.filter(user=user).count()
    AuditEntry.objects.filter(actor=user).update(actor_label=pseudonym)
    user.email = f"erased-client-{client_id}@erased.invalid"
    user.full_name = pseudonym
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "full_name", "is_active", "password"])
    return {"api_keys": keys, "sessions": sessions}


def _blank_client(client, pseudonym: str) -> None:
    from fitnesscrm.clients.models import Status

    client.first_name = "Erased client"
    client.last_name = f"#{client.pk}"
    for name in (
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "city",
        "postal_code",
        "country",
        "emergency_contact_name",
        "emergency_contact_phone",
        "goals",
        "health_notes",
        "injuries",
        "lost_reason",
    ):
        setattr(client, name, "")
    client.date_of_birth = None
    client.photo = ""
    client.email_consent = client.sms_consent = False
    client.status = Status.INACTIVE
    client.archived_at = client.archived_at or timezone.now()
    client.save()
    client.tags.clear()


def _erase_records(client) -> dict[str, int]:
    """Delete what is only about the client; keep and count the books and attendance."""
    from fitnesscrm.billing.models import (
        Invoice,
        Membership,
        MembershipPause,
        Payment,
        StripeCustomer,
    )
    from fitnesscrm.clients.models import Assignment, ConsentRecord, FollowUpTask, TimelineEntry
    from fitnesscrm.privacy.models import DataExport
    from fitnesscrm.progress.models import Goal, Measurement
    from fitnesscrm.progress.services.photos import photos_erase
    from fitnesscrm.scheduling.models import Booking, CalendarFeed
    from fitnesscrm.training.models import PersonalRecord, Program, WorkoutLog

    counts = {"photos": photos_erase(client=client)}
    if client.photo:
        _delete_files(client.photo.storage, [client.photo.name])
        counts["profile_photo"] = 1
    exports = list(DataExport.objects.filter(client=client))
    if exports:
        _delete_files(exports[0].file.storage, [e.file.name for e in exports])
    counts["exports"] = len(exports)
    DataExport.objects.filter(client=client).delete()
    for label, queryset in (
        ("measurements", Measurement.objects.filter(client=client)),
        ("goals", Goal.objects.filter(client=client)),
        ("personal_records", PersonalRecord.objects.filter(client=client)),
        ("workout_logs", WorkoutLog.objects.filter(client=client)),
        ("programs", Program.objects.filter(client=client)),
        ("notes", TimelineEntry.objects.filter(client=client)),
        ("tasks", FollowUpTask.objects.filter(client=client)),
        ("assignments", Assignment.objects.filter(client=client)),
        ("consents", ConsentRecord.objects.filter(client=client)),
        ("calendar_feeds", CalendarFeed.objects.filter(client=client)),
        ("card_details", StripeCustomer.objects.filter(client=client)),
    ):
        counts[label] = queryset.count()
        queryset.delete()
    Membership.objects.filter(client=client).update(cancel_reason="")
    MembershipPause.objects.filter(membership__client=client).update(reason="")
    counts["invoices_kept"] = Invoice.objects.filter(client=client).count()
    counts["payments_kept"] = Payment.objects.filter(client=client).count()
    counts["bookings_kept"] = Booking.objects.filter(client=client).count()
    counts["memberships_kept"] = Membership.objects.filter(client=client).count()
    return counts


@transaction.atomic
def erase_client(*, client, actor=None, reason: str = "staff"):
    """Erase `client` and the records merged into it; the caller checked who may."""
    from fitnesscrm.clients.models import Client
    from fitnesscrm.privacy.models import ErasureRecord

    client = Client.objects.select_for_update().get(pk=client.pk)
    merged = list(Client.objects.filter(merged_into=client))
    everyone = [client, *merged]
    user = get_user_model().objects.filter(pk=client.user_id).first() if client.user_id else None
    tokens = _tokens(everyone, user)
    pseudonym = pseudonym_of(client.pk)
    counts: dict[str, int] = {}
    for each in everyone:
        for label, number in _erase_records(each).items():
            counts[label] = counts.get(label, 0) + number
    for each in merged:
        _blank_client(each, pseudonym_of(each.pk))
    _blank_client(client, pseudonym)
    if user is not None:
        counts.update(_end_login(user, pseudonym, client.pk))
    from fitnesscrm.core.models import AuditEntry

    AuditEntry.objects.filter(
        object_type="clients.client", object_id__in=[str(c.pk) for c in everyone]
    ).update(object_label=pseudonym)
    counts["merged_records"] = len(merged)
    counts["other_rows_scrubbed"] = _sweep(tokens)
    record = ErasureRecord.objects.create(
        client_id=client.pk,
        pseudonym=pseudonym,
        erased_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        counts=counts,
    )
    audit_record(
        actor=actor,
        action="client.erase",
        target=client,
        object_label=pseudonym,
        changes={"reason": reason, "counts": counts, "erasure_record": record.pk},
    )
    return record
