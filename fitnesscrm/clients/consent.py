"""The client's consent to health data being recorded: give, withdraw, check, history.

Health data (measurements, progress photos, health notes and injuries) is recorded only
while the client's newest `health_data` ConsentRecord is a grant. Rows are never changed:
each grant or withdrawal is a new row with its time, how it was given and the wording
the client agreed to, so the history can be shown to a data-protection officer.

Who records it: the client for themselves (in the portal, or through the API), or a
member of staff who may see the client's health data (owners, managers, the client's
trainer) for a consent given in person or on a signed form. Withdrawing stops new
recording at once; with `delete_data` the client's measurements, progress photos (the
files go once the transaction commits), goals on body measures, and health notes and
injuries are erased as well.
"""

from django.db import transaction
from django.db.models import QuerySet

from fitnesscrm.clients.models import (
    Client,
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
    EntryKind,
    TimelineEntry,
)
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Forbidden, NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role

# What the client is asked to agree to, shown in the portal and on the staff form.
HEALTH_CONSENT_WORDING = (
    "I agree that my body measurements (such as weight, body fat, blood pressure and "
    "circumferences), my progress photos and my health notes and injuries are recorded "
    "by the gym, seen only by its owners and managers and by my trainers, and used to "
    "coach me. I can withdraw this at any time, and ask for this data to be erased."
)
CONSENT_REQUIRED_MESSAGE = (
    "This client has not agreed to health data being recorded: record their consent first."
)
# Marketing consents: the kind, the flag on the client that the newest record sets, and
# what the client agrees to.
MARKETING_KINDS = {
    ConsentKind.EMAIL_MARKETING: "email_consent",
    ConsentKind.SMS_MARKETING: "sms_consent",
}
MARKETING_WORDING = {
    ConsentKind.EMAIL_MARKETING: "I agree to receive news and offers from the gym by email.",
    ConsentKind.SMS_MARKETING: "I agree to receive news and offers from the gym by text message.",
}
STAFF_METHODS = (ConsentMethod.IN_PERSON, ConsentMethod.WRITTEN)
CLIENT_METHODS = (ConsentMethod.PORTAL, ConsentMethod.API)


def _latest(client: Client) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(client=client, kind=ConsentKind.HEALTH_DATA)
        .order_by("-recorded_at", "-id")
        .first()
    )


def has_health_consent(client: Client) -> bool:
    """Whether the client's newest health-data consent record is a grant."""
    latest = _latest(client)
    return latest is not None and latest.granted


def health_consent_require(client: Client) -> None:
    """Refuse (code "consent_required") unless the client's health-data consent is in force."""
    if not has_health_consent(client):
        raise ApplicationError(CONSENT_REQUIRED_MESSAGE, code="consent_required")


def consent_in_force(client: Client) -> ConsentRecord | None:
    """The grant in force, or None (never given, or withdrawn since)."""
    latest = _latest(client)
    return latest if latest is not None and latest.granted else None


def consent_history(client: Client) -> QuerySet[ConsentRecord]:
    """Every grant and withdrawal of health-data consent, newest first, with who recorded it."""
    return (
        ConsentRecord.objects.filter(client=client, kind=ConsentKind.HEALTH_DATA)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
    )


def _checked(actor, client: Client, method: str) -> Client:
    """The client, if `actor` may record this client's consent this way; else NotFound/Forbidden."""
    from fitnesscrm.training.access import coached_clients

    if method not in ConsentMethod.values:
        message = f"Choose how the consent was given: {', '.join(ConsentMethod.values)}."
        raise ApplicationError(
            message, code="invalid", errors=[{"field": "method", "message": message}]
        )
    role = role_of(actor)
    if role == Role.CLIENT:
        if client.user_id != actor.pk:
            raise NotFound("No such client.")
        if method not in CLIENT_METHODS:
            message = "Clients give or withdraw their consent themselves, in the portal."
            raise ApplicationError(
                message, code="invalid", errors=[{"field": "method", "message": message}]
            )
        return client
    if role is None:
        raise Forbidden("Sign in first.")
    if not coached_clients(actor).filter(pk=client.pk).exists():
        raise NotFound("No such client.")
    if method not in STAFF_METHODS:
        message = "Staff record a consent given in person or on a signed form."
        raise ApplicationError(
            message, code="invalid", errors=[{"field": "method", "message": message}]
        )
    return client


def _timeline(client: Client, actor, body: str) -> None:
    TimelineEntry.objects.create(
        client=client,
        kind=EntryKind.SYSTEM,
        body=body,
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def consent_grant(*, actor, client: Client, method: str, wording: str = "") -> ConsentRecord:
    """Record the client's consent to health data, with the wording they agreed to."""
    client = _checked(actor, client, method)
    wording = (wording or HEALTH_CONSENT_WORDING).strip()
    if len(wording) > 2000:
        message = "The wording is at most 2000 characters."
        raise ApplicationError(
            message, code="invalid", errors=[{"field": "wording", "message": message}]
        )
    record = ConsentRecord.objects.create(
        client=client,
        kind=ConsentKind.HEALTH_DATA,
        granted=True,
        method=method,
        wording=wording,
        recorded_by=actor,
    )
    _timeline(client, actor, f"Consent to health data given ({record.get_method_display()}).")
    audit_record(
        actor=actor,
        action="consent.grant",
        target=client,
        changes={"kind": ConsentKind.HEALTH_DATA, "method": method, "consent_record": record.pk},
    )
    return record


def _erase_health_data(client: Client) -> dict[str, int]:
    """Delete the client's measurements, photos (files after commit), body goals, health notes."""
    from fitnesscrm.progress.models import Goal, GoalMetric, Measurement
    from fitnesscrm.progress.services.photos import photos_erase

    # Through the photos' own storage (local disk or the S3 bucket), files after commit.
    photos = photos_erase(client=client)
    measurements, _ = Measurement.objects.filter(client=client).delete()
    body_goals = Goal.objects.filter(client=client).exclude(
        metric__in=(GoalMetric.E1RM, GoalMetric.WORKOUTS)
    )
    goals = body_goals.count()
    body_goals.delete()
    notes = bool(client.health_notes or client.injuries)
    if notes:
        Client.objects.filter(pk=client.pk).update(health_notes="", injuries="")
        client.health_notes = client.injuries = ""
    return {
        "measurements": measurements,
        "photos": photos,
        "goals": goals,
        "health_notes": int(notes),
    }


@transaction.atomic
def consent_withdraw(
    *, actor, client: Client, method: str, delete_data: bool = False
) -> ConsentRecord | None:
    """Withdraw the client's health-data consent; with `delete_data`, erase that data too.

    Withdrawing when no consent is in force is refused, unless `delete_data` asks for the
    data kept from an earlier consent to be erased (then no new record is written and
    None is returned).
    """
    client = _checked(actor, client, method)
    client = Client.objects.select_for_update().get(pk=client.pk)
    in_force = has_health_consent(client)
    if not in_force and not delete_data:
        raise ApplicationError(
            "This client's consent to health data is not in force: there is nothing to withdraw.",
            code="consent_not_given",
        )
    record = None
    if in_force:
        record = ConsentRecord.objects.create(
            client=client,
            kind=ConsentKind.HEALTH_DATA,
            granted=False,
            method=method,
            wording="",
            recorded_by=actor,
        )
    erased = _erase_health_data(client) if delete_data else {}
    said = "Consent to health data withdrawn" if in_force else "Health data erased"
    if delete_data and in_force:
        said += "; the health data was erased"
    _timeline(client, actor, f"{said}.")
    audit_record(
        actor=actor,
        action="consent.withdraw",
        target=client,
        changes={
            "kind": ConsentKind.HEALTH_DATA,
            "method": method,
            "consent_record": record.pk if record else None,
            "erased": erased,
        },
    )
    return record


def marketing_changes_record(client: Client, actor, changed: dict[str, bool]) -> None:
    """A ConsentRecord for each marketing flag (`email_consent`, `sms_consent`) that the
    client's form or portal page just changed: the history the privacy page shows.

    Staff ticking the box on the client's form record what the client told them
    (in person); a client changes their own in the portal.
    """
    method = ConsentMethod.PORTAL if role_of(actor) == Role.CLIENT else ConsentMethod.IN_PERSON
    kinds = {flag: kind for kind, flag in MARKETING_KINDS.items()}
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            client=client,
            kind=kinds[flag],
            granted=granted,
            method=method,
            wording=MARKETING_WORDING[kinds[flag]] if granted else "",
            recorded_by=actor,
        )
        for flag, granted in changed.items()
    )
