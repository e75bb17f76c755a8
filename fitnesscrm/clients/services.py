"""Every write to clients and leads: in a transaction, checked against the actor's role, audited.

Pages, the API, the importer and the seed command all come through here, so a
rule (who may edit, unique email, E.164 phone, consent timestamps, history of
status changes) lives in one place.
"""

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from fitnesscrm.clients import consent, counting, selectors
from fitnesscrm.clients.models import (
    HEALTH_FIELDS,
    Assignment,
    Client,
    EntryKind,
    FollowUpTask,
    LeadStage,
    Source,
    Status,
    Tag,
    TimelineEntry,
)
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.images import clean_image
from fitnesscrm.core.permissions import is_staff_member, role_of, sees_all_clients
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role
from fitnesscrm.core.stored_text import text_columns
from fitnesscrm.core.text import InvalidPhone, normalize_phone, text_problem
from fitnesscrm.trainers.models import Trainer

# The fields a client record can be given through client_create / client_update.
EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
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
    "source",
    "email_consent",
    "sms_consent",
)
TEXT_LIMITS = {field.name: field.max_length for field in Client._meta.fields if field.max_length}
NOTE_KINDS = (EntryKind.NOTE, EntryKind.CALL, EntryKind.EMAIL)

# Functions other apps register to move their rows from a merged duplicate to the
# survivor (bookings, payments, …): hook(duplicate=..., survivor=...).
MERGE_HOOKS: list[Callable[..., None]] = []


def _invalid(errors: dict[str, str], *, unsafe_text: Collection[str] = ()) -> ApplicationError:
    """One error naming each bad field; those in `unsafe_text` were refused by the text
    rule (core.text.text_problem) and say so in their type, as everywhere else."""
    first = next(iter(errors.values()))
    return ApplicationError(
        first if len(errors) == 1 else "Some fields are not valid.",
        code="invalid",
        errors=[
            {"field": name, "message": message, "type": "unsafe_text"}
            if name in unsafe_text
            else {"field": name, "message": message}
            for name, message in errors.items()
        ],
    )


def _clean_fields(
    values: dict, *, instance: Client | None = None, check_email_taken: bool = True
) -> dict:
    """Normalise and check client fields; raises one error listing every bad field.

    The importer passes check_email_taken=False and looks a whole batch of emails up
    in one query instead of one per row.
    """
    errors: dict[str, str] = {}
    cleaned = {}
    one_line_columns = dict(text_columns(Client))
    unsafe_text: list[str] = []
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise ApplicationError(f"Unknown client field {name!r}.", code="unknown_field")
        if isinstance(value, str):
            value = value.strip()
            problem = text_problem(value, single_line=one_line_columns.get(name, True))
            if problem:
                errors[name] = problem
                unsafe_text.append(name)
                continue
            limit = TEXT_LIMITS.get(name)
            if limit and len(value) > limit:
                errors[name] = f"At most {limit} characters (this has {len(value)})."
                continue
        cleaned[name] = value
    if "first_name" in cleaned and not cleaned["first_name"]:
        errors["first_name"] = "A first name is required."
    if cleaned.get("email"):
        cleaned["email"] = cleaned["email"].lower()
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = f"“{cleaned['email']}” is not a valid email address."
    for phone_field in ("phone", "emergency_contact_phone"):
        if cleaned.get(phone_field):
            try:
                cleaned[phone_field] = normalize_phone(cleaned[phone_field])
            except InvalidPhone as exc:
                errors[phone_field] = str(exc)
    if "source" in cleaned and cleaned["source"] not in Source.values:
        errors["source"] = f"Choose one of: {', '.join(Source.values)}."
    if cleaned.get("country"):
        cleaned["country"] = cleaned["country"].upper()
        if len(cleaned["country"]) != 2 or not cleaned["country"].isalpha():
            errors["country"] = "Use the two-letter country code, e.g. GB."
    dob = cleaned.get("date_of_birth")
    if dob and isinstance(dob, date) and dob > timezone.localdate():
        errors["date_of_birth"] = "The date of birth is in the future."
    for flag in ("email_consent", "sms_consent"):
        if flag in cleaned and not isinstance(cleaned[flag], bool):
            errors[flag] = "Must be true or false."
    if errors:
        raise _invalid(errors, unsafe_text=unsafe_text)
    if check_email_taken and cleaned.get("email"):
        taken = clients_holding_emails([cleaned["email"]])
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise Conflict(
                f"Another client already has the email {cleaned['email']}.",
                code="email_taken",
                errors=[{"field": "email", "message": "Another client already has this email."}],
            )
    return cleaned


def clients_holding_emails(emails: Iterable[str]):
    """Clients (archived ones too) that have one of these lower-case emails.

    Written to match the unique index on LOWER(email) WHERE email <> '', so it is an
    index lookup rather than a scan of every client.
    """
    return (
        Client.objects.alias(email_lower=Lower("email"))
        .exclude(email="")
        .filter(email_lower__in=list(emails))
        .order_by()
    )


def _require_staff(actor) -> None:
    if not is_staff_member(actor):
        raise Forbidden("Only staff can change client records.")


def _timeline(client: Client, kind: str, actor, body: str = "", **data) -> TimelineEntry:
    return TimelineEntry.objects.create(
        client=client, kind=kind, body=body, data=data, author=actor if actor else None
    )


def _save(client: Client) -> None:
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        # Two requests racing for the same email: the database constraint decides.
        if "email" in str(exc).lower():
            raise Conflict("Another client already has this email.", code="email_taken") from exc
        raise


@transaction.atomic
def client_create(
    *,
    actor,
    tags: Iterable[str] = (),
    status: str = Status.LEAD,
    trainer: Trainer | None = None,
    **fields,
) -> Client:
    """Create a client or lead. A trainer who creates one becomes its primary trainer."""
    _require_staff(actor)
    if status not in Status.values:
        raise _invalid({"status": f"Choose one of: {', '.join(Status.values)}."})
    if not sees_all_clients(actor) and role_of(actor) == Role.TRAINER:
        trainer = Trainer.objects.filter(user=actor).first()
        if trainer is None:
            raise Forbidden("Your account has no trainer profile, so it cannot own clients.")
    if not selectors_can_write_health(actor) and any(fields.get(f) for f in HEALTH_FIELDS):
        raise Forbidden("Your role cannot record health notes or injuries.")
    cleaned = _clean_fields({"first_name": "", **fields})
    _require_health_consent(None, cleaned)
    client = Client(**cleaned, status=status, created_by=actor)
    now = timezone.now()
    if client.email_consent:
        client.email_consent_at = now
    if client.sms_consent:
        client.sms_consent_at = now
    _save(client)
    consent.marketing_changes_record(
        client,
        actor,
        {flag: True for flag in ("email_consent", "sms_consent") if cleaned.get(flag)},
    )
    if tags:
        client.tags.set(_tags_named(tags))
    _timeline(client, EntryKind.SYSTEM, actor, "Record created.", status=status)
    audit_record(
        actor=actor,
        action="client.create",
        target=client,
        changes=_audit_changes({}, cleaned),
    )
    if trainer is not None:
        assignment_create(actor=actor, client=client, trainer=trainer, is_primary=True)
    return client


NEW_CLIENT_HEALTH_MESSAGE = (
    "A new client has not agreed to health data being recorded yet: save the client, "
    "record their consent on their progress page, then add this."
)
NO_HEALTH_CONSENT_MESSAGE = (
    "This client has not agreed to health data being recorded: record their consent "
    "on their progress page first."
)


def _require_health_consent(client: Client | None, cleaned: dict) -> None:
    """Refuse new health notes or injuries for a client without health-data consent.

    Clearing them is always allowed, and so is saving them unchanged (an edit of the
    record's other fields sends them back as they were).
    """
    from fitnesscrm.clients.consent import has_health_consent

    changed = [
        name
        for name in HEALTH_FIELDS
        if cleaned.get(name) and (client is None or cleaned[name] != getattr(client, name))
    ]
    if not changed:
        return
    if client is not None and has_health_consent(client):
        return
    message = NEW_CLIENT_HEALTH_MESSAGE if client is None else NO_HEALTH_CONSENT_MESSAGE
    raise ApplicationError(
        message,
        code="consent_required",
        errors=[{"field": name, "message": message} for name in changed],
    )


def selectors_can_write_health(actor) -> bool:
    """Who may write health fields at creation: the roles that may read them."""
    return role_of(actor) in (MANAGEMENT_ROLES | {Role.TRAINER})


def _audit_changes(before: dict, after: dict) -> dict:
    changes = {}
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        if name in HEALTH_FIELDS:
            changes[name] = "changed"  # health data: the field name only, never the value
        else:
            changes[name] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


@transaction.atomic
def client_update(*, actor, client: Client, tags: Iterable[str] | None = None, **fields) -> Client:
    """Change fields of a client the actor may edit; health fields need health access."""
    client = _locked(actor, client)
    if not selectors.can_edit_client(actor, client):
        # A client may see their own record but changes it only through the portal.
        selectors.client_get(user=actor, client_id=client.pk)
        raise Forbidden("Your role cannot change this client record.")
    if any(name in HEALTH_FIELDS for name in fields) and not selectors.can_see_health(
        actor, client
    ):
        raise Forbidden("Your role cannot change health notes or injuries.")
    cleaned = _clean_fields(fields, instance=client)
    _require_health_consent(client, cleaned)
    before = {name: getattr(client, name) for name in cleaned}
    now = timezone.now()
    for name, value in cleaned.items():
        setattr(client, name, value)
    if "email_consent" in cleaned and cleaned["email_consent"] != before["email_consent"]:
        client.email_consent_at = now
    if "sms_consent" in cleaned and cleaned["sms_consent"] != before["sms_consent"]:
        client.sms_consent_at = now
    _save(client)
    consent.marketing_changes_record(
        client,
        actor,
        {
            flag: cleaned[flag]
            for flag in ("email_consent", "sms_consent")
            if flag in cleaned and cleaned[flag] != before[flag]
        },
    )
    changes = _audit_changes(before, cleaned)
    if tags is not None:
        old_tags = sorted(client.tags.values_list("name", flat=True))
        client.tags.set(_tags_named(tags))
        new_tags = sorted(client.tags.values_list("name", flat=True))
        if old_tags != new_tags:
            changes["tags"] = [old_tags, new_tags]
    if changes:
        audit_record(actor=actor, action="client.update", target=client, changes=changes)
    return client


def _locked(actor, client: Client) -> Client:
    try:
        return Client.objects.select_for_update().get(pk=client.pk)
    except Client.DoesNotExist as exc:
        raise NotFound("No such client.") from exc


def _tags_named(names: Iterable[str]) -> list[Tag]:
    tags = []
    for raw in names:
        name = (raw or "").strip()
        if not name:
            continue
        if len(name) > 40:
            raise _invalid({"tags": f"The tag “{name[:40]}…” is longer than 40 characters."})
        if problem := text_problem(name, single_line=True):
            raise _invalid({"tags": f"A tag: {problem}"}, unsafe_text=["tags"])
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    return tags


@transaction.atomic
def client_set_status(*, actor, client: Client, status: str) -> Client:
    """Move a client through lead → trial → active → paused → inactive, keeping history."""
    _require_staff(actor)
    client = _locked(actor, client)
    if not selectors.can_edit_client(actor, client):
        raise NotFound("No such client.")
    if status not in Status.values:
        raise _invalid({"status": f"Choose one of: {', '.join(Status.values)}."})
    if client.status == status:
        return client
    old = client.status
    client.status = status
    client.status_changed_at = timezone.now()
    client.save(update_fields=["status", "status_changed_at", "updated_at"])
    _timeline(client, EntryKind.STATUS, actor, **{"from": old, "to": status})
    audit_record(
        actor=actor, action="client.status", target=client, changes={"status": [old, status]}
    )
    return client


@transaction.atomic
def lead_set_stage(*, actor, client: Client, stage: str, lost_reason: str = "") -> Client:
    """Move a lead along the pipeline. Won converts it to an active client; history stays."""
    _require_staff(actor)
    client = _locked(actor, client)
    if not selectors.can_edit_client(actor, client):
        raise NotFound("No such client.")
    if stage not in LeadStage.values:
        raise _invalid({"stage": f"Choose one of: {', '.join(LeadStage.values)}."})
    lost_reason = (lost_reason or "").strip()
    if stage == LeadStage.LOST and not lost_reason:
        raise _invalid({"lost_reason": "Say why the lead was lost."})
    if len(lost_reason) > 200:
        raise _invalid({"lost_reason": "At most 200 characters."})
    old = client.lead_stage
    if old != stage:
        client.lead_stage = stage
        client.lost_reason = lost_reason if stage == LeadStage.LOST else ""
        client.save(update_fields=["lead_stage", "lost_reason", "updated_at"])
        _timeline(client, EntryKind.STAGE, actor, lost_reason, **{"from": old, "to": stage})
        audit_record(
            actor=actor,
            action="lead.stage",
            target=client,
            changes={"lead_stage": [old, stage]},
        )
    # client_set_status saves a freshly locked copy: keep it, so the caller sees the new status.
    if stage == LeadStage.TRIAL_BOOKED and client.status == Status.LEAD:
        client = client_set_status(actor=actor, client=client, status=Status.TRIAL)
    if stage == LeadStage.WON and client.status in (Status.LEAD, Status.TRIAL):
        client = client_set_status(actor=actor, client=client, status=Status.ACTIVE)
    return client


@transaction.atomic
def client_archive(*, actor, client: Client) -> Client:
    """ "Deleting" a client: it leaves the lists, keeps its history, and can be restored."""
    _require_staff(actor)
    client = _locked(actor, client)
    if not selectors.can_edit_client(actor, client):
        raise NotFound("No such client.")
    if role_of(actor) not in (MANAGEMENT_ROLES | {Role.FRONT_DESK}):
        raise Forbidden("Only owners, managers and the front desk can archive clients.")
    if client.archived_at is None:
        client.archived_at = timezone.now()
        client.save(update_fields=["archived_at", "updated_at"])
        _timeline(client, EntryKind.SYSTEM, actor, "Archived.")
        audit_record(actor=actor, action="client.archive", target=client)
    return client


@transaction.atomic
def client_restore(*, actor, client: Client) -> Client:
    _require_staff(actor)
    client = _locked(actor, client)
    if role_of(actor) not in (MANAGEMENT_ROLES | {Role.FRONT_DESK}):
        raise Forbidden("Only owners, managers and the front desk can restore clients.")
    if client.merged_into_id:
        raise ApplicationError("A merged record cannot be restored.", code="merged")
    if client.archived_at is not None:
        client.archived_at = None
        client.save(update_fields=["archived_at", "updated_at"])
        _timeline(client, EntryKind.SYSTEM, actor, "Restored from the archive.")
        audit_record(actor=actor, action="client.restore", target=client)
    return client


MERGE_FILL_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("first_name",))


@transaction.atomic
def client_merge(*, actor, survivor: Client, duplicate: Client) -> Client:
    """Fold `duplicate` into `survivor`: history, tasks, trainers and tags move over.

    Blank fields of the survivor are filled from the duplicate; the duplicate is
    archived with a pointer to the survivor. Other apps move their rows through
    MERGE_HOOKS, inside the same transaction.
    """
    if role_of(actor) not in MANAGEMENT_ROLES | {Role.FRONT_DESK}:
        raise Forbidden("Only owners, managers and the front desk can merge clients.")
    if survivor.pk == duplicate.pk:
        raise ApplicationError("Choose two different clients to merge.", code="same_client")
    survivor = selectors.client_get(user=actor, client_id=survivor.pk)
    duplicate = selectors.client_get(user=actor, client_id=duplicate.pk)
    survivor = _locked(actor, survivor)
    duplicate = _locked(actor, duplicate)
    if duplicate.merged_into_id or survivor.merged_into_id:
        raise ApplicationError("One of these records was already merged.", code="merged")
    filled = {}
    for name in MERGE_FILL_FIELDS:
        if name in ("email",):
            continue
        if not getattr(survivor, name) and getattr(duplicate, name):
            filled[name] = getattr(duplicate, name)
            setattr(survivor, name, getattr(duplicate, name))
    duplicate_email = duplicate.email
    if duplicate.user_id and not survivor.user_id:
        survivor.user_id, duplicate.user = duplicate.user_id, None
    duplicate.email = ""  # frees the unique email for the survivor
    duplicate.archived_at = timezone.now()
    duplicate.merged_into = survivor
    duplicate.save()
    if not survivor.email and duplicate_email:
        survivor.email = duplicate_email
        filled["email"] = duplicate_email
    survivor.save()
    moved_entries = TimelineEntry.objects.filter(client=duplicate).update(client=survivor)
    FollowUpTask.objects.filter(client=duplicate).update(client=survivor)
    survivor.tags.add(*duplicate.tags.all())
    active_trainers = set(
        survivor.assignments.filter(end_date__isnull=True).values_list("trainer_id", flat=True)
    )
    has_primary = survivor.assignments.filter(end_date__isnull=True, is_primary=True).exists()
    for assignment in duplicate.assignments.all():
        if assignment.end_date is None and assignment.trainer_id in active_trainers:
            assignment.end_date = max(timezone.localdate(), assignment.start_date)
        if assignment.end_date is None and assignment.is_primary and has_primary:
            assignment.is_primary = False
        assignment.client = survivor
        assignment.save()
    for hook in MERGE_HOOKS:
        hook(duplicate=duplicate, survivor=survivor)
    _timeline(
        survivor,
        EntryKind.MERGE,
        actor,
        f"Merged with {duplicate.full_name} (#{duplicate.pk}).",
        duplicate_id=duplicate.pk,
        moved_entries=moved_entries,
    )
    audit_record(
        actor=actor,
        action="client.merge",
        target=survivor,
        changes={
            "merged_from": duplicate.pk,
            "filled": sorted(name for name in filled if name not in HEALTH_FIELDS),
        },
    )
    return survivor


@transaction.atomic
def note_add(
    *, actor, client: Client, body: str, kind: str = EntryKind.NOTE, pinned: bool = False
) -> TimelineEntry:
    """A note, or a logged call or email, on the client's timeline."""
    _require_staff(actor)
    client = selectors.client_get(user=actor, client_id=client.pk)
    if kind not in NOTE_KINDS:
        raise _invalid({"kind": "Choose note, call or email."})
    body = (body or "").strip()
    if not body:
        raise _invalid({"body": "Write something first."})
    if len(body) > 10000:
        raise _invalid({"body": f"At most 10000 characters (this has {len(body)})."})
    entry = _timeline(client, kind, actor, body)
    if pinned:
        entry.pinned = True
        entry.save(update_fields=["pinned"])
    audit_record(
        actor=actor, action=f"client.{kind}", target=client, changes={"timeline_entry": entry.pk}
    )
    return entry


@transaction.atomic
def note_pin(*, actor, entry_id: int, client: Client, pinned: bool) -> TimelineEntry:
    _require_staff(actor)
    client = selectors.client_get(user=actor, client_id=client.pk)
    entry = client.timeline.filter(pk=entry_id, kind__in=NOTE_KINDS).first()
    if entry is None:
        raise NotFound("No such note.")
    if entry.pinned != pinned:
        entry.pinned = pinned
        entry.save(update_fields=["pinned"])
        audit_record(
            actor=actor,
            action="client.note_pin",
            target=client,
            changes={"timeline_entry": entry.pk, "pinned": pinned},
        )
    return entry


# --- Assignments -------------------------------------------------------------------


def _require_desk(actor) -> None:
    if not sees_all_clients(actor):
        raise Forbidden("Only owners, managers and the front desk assign trainers.")


@transaction.atomic
def assignment_create(
    *,
    actor,
    client: Client,
    trainer: Trainer,
    is_primary: bool = False,
    start_date: date | None = None,
    notes: str = "",
) -> Assignment:
    """Assign a trainer to a client. A new primary trainer replaces the previous primary."""
    if role_of(actor) == Role.TRAINER:
        # A trainer can only be given clients by the desk, except the one they create.
        if not (trainer.user_id == actor.pk and client.created_by_id == actor.pk):
            raise Forbidden("Only owners, managers and the front desk assign trainers.")
    else:
        _require_desk(actor)
    if not trainer.is_active:
        message = f"{trainer} is not an active trainer."
        raise ApplicationError(
            message, code="trainer_inactive", errors=[{"field": "trainer", "message": message}]
        )
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise _invalid({"notes": "At most 2000 characters."})
    start_date = start_date or timezone.localdate()
    if Assignment.objects.filter(client=client, trainer=trainer, end_date__isnull=True).exists():
        raise Conflict(f"{trainer} is already assigned to {client}.", code="already_assigned")
    if is_primary:
        Assignment.objects.filter(client=client, end_date__isnull=True, is_primary=True).update(
            is_primary=False
        )
    elif not Assignment.objects.filter(client=client, end_date__isnull=True).exists():
        is_primary = True  # the only trainer is the primary one
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                client=client,
                trainer=trainer,
                is_primary=is_primary,
                start_date=start_date,
                notes=notes,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"{trainer} is already assigned to {client}.", code="already_assigned"
        ) from exc
    _timeline(
        client,
        EntryKind.ASSIGNMENT,
        actor,
        f"{trainer} assigned{' as primary trainer' if is_primary else ''}.",
        trainer_id=trainer.pk,
        action="assigned",
        primary=is_primary,
    )
    audit_record(
        actor=actor,
        action="assignment.create",
        target=assignment,
        changes={"client": client.pk, "trainer": trainer.pk, "primary": is_primary},
    )
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment, end_date: date | None = None) -> Assignment:
    """End an assignment; it stays in the client's history."""
    _require_desk(actor)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.end_date is not None:
        return assignment
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        raise _invalid({"end_date": "The end date is before the start date."})
    assignment.end_date = end_date
    was_primary = assignment.is_primary
    assignment.save(update_fields=["end_date"])
    if was_primary:
        # Promote the longest-standing remaining trainer, so there is still a primary.
        successor = (
            Assignment.objects.filter(client=assignment.client_id, end_date__isnull=True)
            .order_by("start_date", "id")
            .first()
        )
        if successor:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    _timeline(
        assignment.client,
        EntryKind.ASSIGNMENT,
        actor,
        f"{assignment.trainer} no longer assigned.",
        trainer_id=assignment.trainer_id,
        action="ended",
    )
    audit_record(
        actor=actor,
        action="assignment.end",
        target=assignment,
        changes={"end_date": [None, str(end_date)]},
    )
    return assignment


# --- Follow-up tasks ------------------------------------------------------------------


@transaction.atomic
def task_create(*, actor, client: Client, title: str, due_date: date, assigned_to) -> FollowUpTask:
    _require_staff(actor)
    client = selectors.client_get(user=actor, client_id=client.pk)
    title = (title or "").strip()
    if not title:
        raise _invalid({"title": "Say what needs doing."})
    if len(title) > 200:
        raise _invalid({"title": "At most 200 characters."})
    if not is_staff_member(assigned_to):
        raise _invalid({"assigned_to": "Tasks can only be given to active staff."})
    task = FollowUpTask.objects.create(
        client=client, title=title, due_date=due_date, assigned_to=assigned_to, created_by=actor
    )
    audit_record(
        actor=actor,
        action="task.create",
        target=task,
        changes={"client": client.pk, "assigned_to": assigned_to.pk, "due_date": str(due_date)},
    )
    return task


@transaction.atomic
def task_complete(*, actor, task_id: int, done: bool = True) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None or (task.assigned_to_id != actor.pk and role_of(actor) not in MANAGEMENT_ROLES):
        raise NotFound("No such task.")
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at"])
    audit_record(actor=actor, action="task.complete" if done else "task.reopen", target=task)
    return task


# --- Bulk actions -------------------------------------------------------------------------


def _visible_selection(actor, client_ids: Iterable[int]) -> list[Client]:
    ids = {int(pk) for pk in client_ids}
    if not ids:
        raise ApplicationError("Select at least one client.", code="empty_selection")
    if len(ids) > 1000:
        raise ApplicationError("Select at most 1000 clients at a time.", code="too_many")
    return list(selectors.visible_clients(actor).filter(pk__in=ids))


@transaction.atomic
def clients_bulk_tag(*, actor, client_ids: Iterable[int], tag_name: str) -> int:
    _require_staff(actor)
    (tag,) = _tags_named([tag_name]) or [None]
    if tag is None:
        raise _invalid({"tag": "Give the tag a name."})
    clients = _visible_selection(actor, client_ids)
    tag.clients.add(*clients)
    audit_record(
        actor=actor,
        action="client.bulk_tag",
        object_type="clients.client",
        changes={"tag": tag.name, "clients": [c.pk for c in clients]},
    )
    return len(clients)


@transaction.atomic
def clients_bulk_status(*, actor, client_ids: Iterable[int], status: str) -> int:
    clients = _visible_selection(actor, client_ids)
    for client in clients:
        client_set_status(actor=actor, client=client, status=status)
    return len(clients)


@transaction.atomic
def clients_bulk_assign(*, actor, client_ids: Iterable[int], trainer: Trainer) -> int:
    _require_desk(actor)
    count = 0
    for client in _visible_selection(actor, client_ids):
        if not client.assignments.filter(trainer=trainer, end_date__isnull=True).exists():
            assignment_create(actor=actor, client=client, trainer=trainer)
            count += 1
    return count


# --- Portal: invitations and the client's own consent -----------------------------------


def _site(domain: str, use_https: bool | None) -> tuple[str, bool]:
    """Where invitation links point: the request's host, else the first configured host."""
    from django.conf import settings

    if not domain:
        hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
        domain = hosts[0] if hosts else "localhost"
    if use_https is None:
        use_https = bool(settings.SECURE_SSL_REDIRECT)
    return domain, use_https


@transaction.atomic
def client_invite(
    *,
    actor,
    client: Client,
    domain: str = "",
    use_https: bool | None = None,
    resend: bool = False,
):
    """Give a client a portal login and email them a link to choose a password.

    The login is a client-role user without a usable password, linked to the
    record; the email goes out from the worker after commit, and its link is made
    there (the queue row holds only ids). `resend` emails a new link to a client
    who was invited but has not chosen a password yet (links expire).
    """
    from fitnesscrm.accounts import services as account_services
    from fitnesscrm.clients.tasks import send_client_invitation

    _require_staff(actor)
    client = _locked(actor, client)
    if not selectors.can_edit_client(actor, client):
        raise NotFound("No such client.")
    if client.archived_at is not None:
        raise ApplicationError("Restore this client before inviting them.", code="archived")
    if client.user_id:
        if not resend:
            raise Conflict("This client has already been invited.", code="already_invited")
        if client.user.has_usable_password() or not client.user.is_active:
            raise Conflict("This client already has a portal login.", code="already_joined")
        user, action, note = client.user, "client.invite_resend", "Portal invitation sent again."
    else:
        if not client.email:
            raise ApplicationError(
                "Add an email address first: the invitation is sent by email.",
                code="no_email",
                errors=[{"field": "email", "message": "An email address is needed to invite."}],
            )
        user = account_services.user_create(
            email=client.email,
            full_name=client.full_name[:150],
            role=Role.CLIENT,
            password=None,
            actor=actor,
        )
        client.user = user
        client.save(update_fields=["user", "updated_at"])
        action, note = "client.invite", "Invited to the client portal."
    _timeline(client, EntryKind.SYSTEM, actor, note, user_id=user.pk)
    audit_record(actor=actor, action=action, target=client, changes={"user": user.pk})
    domain, use_https = _site(domain, use_https)
    send_client_invitation.enqueue(client_id=client.pk, domain=domain, use_https=use_https)
    return user


def client_invitation_email_send(*, client_id: int, domain: str, use_https: bool) -> bool:
    """Email an invited client the link to choose a password; False if nothing was sent.

    Runs in the worker. The token is made here (see password_reset_email_send). A
    client who has chosen a password meanwhile, or was archived or disabled, gets none.
    """
    from fitnesscrm.accounts.services import set_password_email_send

    client = (
        Client.objects.select_related("user")
        .filter(pk=client_id, archived_at__isnull=True, user__is_active=True)
        .first()
    )
    if client is None or client.user.has_usable_password():
        return False
    set_password_email_send(
        user=client.user,
        templates="clients/email/invitation",
        domain=domain,
        use_https=use_https,
        context={"client": client},
    )
    return True


@transaction.atomic
def client_set_own_consent(*, actor, email_consent: bool, sms_consent: bool) -> Client:
    """A client gives or withdraws their own marketing consent from the portal."""
    if role_of(actor) != Role.CLIENT:
        raise Forbidden("Only clients change their own consent here.")
    own = selectors.client_of_user(actor)
    if own is None:
        raise NotFound("Your login is not linked to a client record.")
    client = _locked(actor, own)
    now = timezone.now()
    changes = {}
    for flag, value in (("email_consent", email_consent), ("sms_consent", sms_consent)):
        value = bool(value)
        if getattr(client, flag) != value:
            changes[flag] = [getattr(client, flag), value]
            setattr(client, flag, value)
            setattr(client, f"{flag}_at", now)
    if changes:
        client.save(update_fields=[*changes, *(f"{flag}_at" for flag in changes), "updated_at"])
        consent.marketing_changes_record(
            client, actor, {flag: new for flag, (_old, new) in changes.items()}
        )
        said = ", ".join(
            f"{'email' if flag == 'email_consent' else 'SMS'} {'given' if new else 'withdrawn'}"
            for flag, (_old, new) in changes.items()
        )
        _timeline(
            client, EntryKind.SYSTEM, actor, f"Marketing consent changed by the client: {said}."
        )
        audit_record(actor=actor, action="client.consent", target=client, changes=changes)
    return client


# --- Import from CSV ------------------------------------------------------------------
# The importer (fitnesscrm.clients.imports) checks every row with client_import_clean,
# then writes the valid ones with clients_import_create, in one transaction.

IMPORT_ROLES = MANAGEMENT_ROLES | {Role.FRONT_DESK}


def can_import_clients(actor) -> bool:
    return role_of(actor) in IMPORT_ROLES


def client_import_clean(*, actor, values: dict) -> dict:
    """One imported row checked by the rules of client_create, without writing anything.

    `values` holds client fields and, optionally, "status" and "tags" (a list of
    names). Raises ApplicationError with one entry per bad field. Whether the email
    is taken is not looked up here: the importer checks a batch of rows at once, and
    clients_import_create checks again when it writes.
    """
    if not can_import_clients(actor):
        raise Forbidden("Only owners, managers and the front desk import clients.")
    values = dict(values)
    status = values.pop("status", "") or Status.LEAD
    tags = [name.strip() for name in values.pop("tags", None) or () if name and name.strip()]
    errors: dict[str, str] = {}
    try:
        cleaned = _clean_fields({"first_name": "", **values}, check_email_taken=False)
    except ApplicationError as exc:
        if not exc.errors:
            raise
        errors.update({error["field"]: error["message"] for error in exc.errors})
    if status not in Status.values:
        errors["status"] = f"Choose one of: {', '.join(Status.values)}."
    long_tags = [name for name in tags if len(name) > 40]
    if long_tags:
        errors["tags"] = f"The tag “{long_tags[0][:40]}…” is longer than 40 characters."
    for name in tags:
        if problem := text_problem(name, single_line=True):
            errors["tags"] = f"A tag: {problem}"
    for name in HEALTH_FIELDS:
        if values.get(name):
            errors[name] = (
                NEW_CLIENT_HEALTH_MESSAGE
                if selectors_can_write_health(actor)
                else "Your role cannot record health notes or injuries."
            )
    if errors:
        raise _invalid(errors)
    return {**cleaned, "status": status, "tags": tags}


@transaction.atomic
def clients_import_create(
    *, actor, rows: Sequence[tuple[int, dict]], note: str, data: dict | None = None
) -> list[Client]:
    """Create clients in bulk from (row number, values cleaned by client_import_clean).

    The fields were checked by client_import_clean and are not checked again, except
    the emails: they are looked up here in one query (and the unique constraint decides
    a race with another request). Each client gets a timeline entry saying where it
    came from (`note`, plus `data` and the row number); the caller records one audit
    entry for the whole import.
    """
    if not can_import_clients(actor):
        raise Forbidden("Only owners, managers and the front desk import clients.")
    if not rows:
        return []
    emails = [values["email"] for _row, values in rows if values.get("email")]
    if len(set(emails)) != len(emails):
        raise Conflict("The same email appears twice in these rows.", code="email_repeated")
    taken = sorted(clients_holding_emails(emails).values_list("email", flat=True))
    if taken:
        raise Conflict(
            f"Another client already has the email {taken[0]}.",
            code="email_taken",
            errors=[{"field": "email", "message": "Another client already has this email."}],
        )
    now = timezone.now()
    clients = []
    for _row, values in rows:
        fields = {name: value for name, value in values.items() if name in EDITABLE_FIELDS}
        client = Client(**fields, status=values.get("status") or Status.LEAD, created_by=actor)
        if client.email_consent:
            client.email_consent_at = now
        if client.sms_consent:
            client.sms_consent_at = now
        client.fill_derived_fields()
        clients.append(client)
    try:
        with transaction.atomic():
            Client.objects.bulk_create(clients)
            counting.clients_changed()  # bulk_create sends no signals
    except IntegrityError as exc:
        if "email" in str(exc).lower():
            raise Conflict(
                "Another client took one of these emails meanwhile.", code="email_taken"
            ) from exc
        raise
    _tag_imported(clients, [values.get("tags") or () for _row, values in rows])
    author = actor if getattr(actor, "is_authenticated", False) else None
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            client=client,
            kind=EntryKind.SYSTEM,
            body=note,
            data={**(data or {}), "row": row, "status": client.status},
            author=author,
        )
        for client, (row, _values) in zip(clients, rows, strict=True)
    )
    return clients


def _tag_imported(clients: list[Client], names_per_client: list) -> None:
    wanted = {name.lower(): name for names in names_per_client for name in names}
    if not wanted:
        return
    tags = {
        tag.name.lower(): tag
        for tag in Tag.objects.annotate(lower_name=Lower("name")).filter(
            lower_name__in=list(wanted)
        )
    }
    for lower, name in wanted.items():
        if lower not in tags:
            tags[lower] = _tags_named([name])[0]
    through = Client.tags.through
    through.objects.bulk_create(
        through(client_id=client.pk, tag_id=tag_id)
        for client, names in zip(clients, names_per_client, strict=True)
        for tag_id in {tags[name.lower()].pk for name in names}
    )
    counting.clients_changed()


# --- Photo ----------------------------------------------------------------------------------

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 1024


@transaction.atomic
def client_set_photo(*, actor, client: Client, upload=None) -> Client:
    """Set a client's photo (cleaned of its metadata), or remove it with upload=None."""
    _require_staff(actor)
    client = _locked(actor, client)
    if not selectors.can_edit_client(actor, client):
        raise NotFound("No such client.")
    old_name = client.photo.name if client.photo else ""
    if upload is None and not old_name:
        return client
    if upload is not None:
        content = clean_image(
            upload, field="photo", max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE
        ).content
        client.photo.save(content.name, content, save=False)
    else:
        client.photo = ""
    client.save(update_fields=["photo", "updated_at"])
    if old_name:
        storage = client.photo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    audit_record(
        actor=actor,
        action="client.photo",
        target=client,
        changes={"photo": "changed" if upload is not None else "removed"},
    )
    return client
