"""Every write to trainer profiles and staff accounts: owners and managers only, audited."""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction

from fitnesscrm.accounts import services as account_services
from fitnesscrm.accounts.models import User
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.permissions import manages_staff, role_of
from fitnesscrm.core.roles import STAFF_ROLES, Role
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers.models import Certification, Specialization, Trainer, colour_validator


def _require_manager(actor) -> None:
    if not manages_staff(actor):
        raise Forbidden("Only owners and managers manage staff and trainers.")


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid", errors=[{"field": field, "message": message}])


def _specializations(names: Iterable[str]) -> list[Specialization]:
    items = []
    for raw in names:
        name = (raw or "").strip()
        if not name:
            continue
        if len(name) > 60:
            raise _invalid("specializations", f"“{name[:60]}…” is longer than 60 characters.")
        items.append(
            Specialization.objects.filter(name__iexact=name).first()
            or Specialization.objects.create(name=name)
        )
    return items


def _check_profile(bio: str, hourly_rate_minor: int, colour: str) -> None:
    if len(bio) > 4000:
        raise _invalid("bio", f"At most 4000 characters (this has {len(bio)}).")
    if not isinstance(hourly_rate_minor, int) or hourly_rate_minor < 0:
        raise _invalid("hourly_rate_minor", "The hourly rate must be zero or more.")
    if hourly_rate_minor > 100_000_00:
        raise _invalid("hourly_rate_minor", "That hourly rate is not believable.")
    try:
        colour_validator(colour)
    except Exception as exc:
        raise _invalid("colour", "Use a colour like #1f8a70.") from exc


def _refresh_search(trainer: Trainer) -> None:
    trainer.search_text = search_key(trainer.user.full_name, trainer.user.email)[:400]


@transaction.atomic
def staff_create(*, actor, email: str, full_name: str, role: str, password: str | None = None):
    """A staff account (no password yet: the person sets one through the reset link)."""
    _require_manager(actor)
    if role not in STAFF_ROLES:
        raise _invalid("role", "Choose owner, manager, trainer or front desk.")
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden("Only an owner can create another owner.")
    return account_services.user_create(
        email=email, full_name=full_name, role=role, password=password, actor=actor
    )


@transaction.atomic
def trainer_create(
    *,
    actor,
    user,
    bio: str = "",
    specializations: Iterable[str] = (),
    hourly_rate_minor: int = 0,
    colour: str = "#1f8a70",
) -> Trainer:
    _require_manager(actor)
    if user.role not in STAFF_ROLES or not user.is_active:
        raise _invalid("user", "Only an active staff account can have a trainer profile.")
    if Trainer.objects.filter(user=user).exists():
        raise Conflict(f"{user} already has a trainer profile.", code="trainer_exists")
    bio = (bio or "").strip()
    _check_profile(bio, hourly_rate_minor, colour)

    trainer = Trainer(
        user=user,
        bio=bio,
        hourly_rate_minor=hourly_rate_minor,
        colour=colour,
        currency=settings.CURRENCY,
    )
    _refresh_search(trainer)
    trainer.save()
    trainer.specializations.set(_specializations(specializations))
    audit_record(
        actor=actor,
        action="trainer.create",
        target=trainer,
        changes={"user": user.pk, "hourly_rate_minor": [None, hourly_rate_minor]},
    )
    return trainer


@transaction.atomic
def trainer_update(
    *,
    actor,
    trainer: Trainer,
    bio: str | None = None,
    specializations: Iterable[str] | None = None,
    hourly_rate_minor: int | None = None,
    colour: str | None = None,
    is_active: bool | None = None,
) -> Trainer:
    """Owners and managers edit any profile; a trainer edits their own bio and specializations."""
    trainer = Trainer.objects.select_for_update().select_related("user").get(pk=trainer.pk)
    own = trainer.user_id == actor.pk
    if not manages_staff(actor):
        if not own:
            raise NotFound("No such trainer.")
        if hourly_rate_minor is not None or is_active is not None:
            raise Forbidden("Only owners and managers change rates and the active flag.")
    before = {
        "bio": trainer.bio,
        "hourly_rate_minor": trainer.hourly_rate_minor,
        "colour": trainer.colour,
        "is_active": trainer.is_active,
    }
    if bio is not None:
        trainer.bio = bio.strip()
    if hourly_rate_minor is not None:
        trainer.hourly_rate_minor = hourly_rate_minor
    if colour is not None:
        trainer.colour = colour
    if is_active is not None:
        if is_active and not trainer.is_active and not trainer.user.is_active:
            raise _invalid(
                "is_active", "The staff account is deactivated: reactivate it on the staff page."
            )
        trainer.is_active = is_active
    _check_profile(trainer.bio, trainer.hourly_rate_minor, trainer.colour)
    _refresh_search(trainer)
    trainer.save()
    changes = {
        name: [old, getattr(trainer, name)]
        for name, old in before.items()
        if old != getattr(trainer, name) and name != "bio"
    }
    if before["bio"] != trainer.bio:
        changes["bio"] = "changed"
    if specializations is not None:
        old = sorted(trainer.specializations.values_list("name", flat=True))
        trainer.specializations.set(_specializations(specializations))
        new = sorted(trainer.specializations.values_list("name", flat=True))
        if old != new:
            changes["specializations"] = [old, new]
    if changes:
        audit_record(actor=actor, action="trainer.update", target=trainer, changes=changes)
    return trainer


@transaction.atomic
def certification_add(
    *,
    actor,
    trainer: Trainer,
    name: str,
    issuer: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> Certification:
    if not manages_staff(actor) and trainer.user_id != actor.pk:
        raise NotFound("No such trainer.")
    name, issuer = (name or "").strip(), (issuer or "").strip()
    if not name:
        raise _invalid("name", "Name the certification.")
    if len(name) > 120 or len(issuer) > 120:
        raise _invalid("name" if len(name) > 120 else "issuer", "At most 120 characters.")
    if issued_on and expires_on and expires_on < issued_on:
        raise _invalid("expires_on", "The expiry date is before the issue date.")
    cert = Certification.objects.create(
        trainer=trainer, name=name, issuer=issuer, issued_on=issued_on, expires_on=expires_on
    )
    audit_record(
        actor=actor,
        action="certification.add",
        target=cert,
        changes={"trainer": trainer.pk, "expires_on": str(expires_on or "")},
    )
    return cert


@transaction.atomic
def certification_remove(*, actor, certification_id: int, trainer_id: int | None = None) -> None:
    """Delete a certification; with `trainer_id`, only one of that trainer's (the page's URL)."""
    certs = Certification.objects.select_related("trainer")
    if trainer_id is not None:
        certs = certs.filter(trainer_id=trainer_id)
    cert = certs.filter(pk=certification_id).first()
    if cert is None or (not manages_staff(actor) and cert.trainer.user_id != actor.pk):
        raise NotFound("No such certification.")
    audit_record(actor=actor, action="certification.remove", target=cert)
    cert.delete()


# --- Staff accounts ---------------------------------------------------------------------


@transaction.atomic
def staff_set_active(*, actor, user, active: bool):
    """Switch a staff account off (no sign-in, no API keys) or on again; owners only.

    Deactivating also deactivates the trainer profile, so the person leaves the
    trainer pickers; reactivating leaves the profile for an owner to switch back on.
    """
    if role_of(actor) != Role.OWNER:
        raise Forbidden("Only owners deactivate or reactivate staff accounts.")
    user = User.objects.select_for_update().filter(pk=getattr(user, "pk", user)).first()
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound("No such staff account.")
    if user.pk == actor.pk and not active:
        raise ApplicationError(
            "You cannot deactivate your own account: ask another owner.", code="own_account"
        )
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    changes = {"is_active": [not active, active]}
    if not active and Trainer.objects.filter(user=user, is_active=True).update(is_active=False):
        changes["trainer_profile"] = "deactivated"
    audit_record(
        actor=actor,
        action="staff.reactivate" if active else "staff.deactivate",
        target=user,
        changes=changes,
    )
    return user


@transaction.atomic
def staff_invite(*, actor, user, domain: str, use_https: bool) -> None:
    """Queue the email that lets a new staff member choose a password (sent by the worker)."""
    from fitnesscrm.trainers.tasks import send_staff_invite_email

    _require_manager(actor)
    if user.role not in STAFF_ROLES or not user.is_active:
        raise _invalid("user", "Only an active staff account can be invited.")
    if user.has_usable_password():
        raise ApplicationError(
            f"{user} has already chosen a password; they can use “Forgot password”.",
            code="already_set",
        )
    # In the caller's transaction: the queue row exists only if the account does.
    send_staff_invite_email.enqueue(user_id=user.pk, domain=domain, use_https=use_https)
    audit_record(actor=actor, action="staff.invite", target=user)


def staff_invite_email_send(*, user_id: int, domain: str, use_https: bool) -> bool:
    """Email a set-password link to a staff member who has none yet; False if nothing was sent.

    Runs in the worker; the token is made here, so the queue row never holds a working
    link. It is Django's password-reset token: it stops working once a password is set.
    """
    user = User.objects.filter(pk=user_id, is_active=True, role__in=STAFF_ROLES).first()
    if user is None or user.has_usable_password():
        return False
    account_services.set_password_email_send(
        user=user,
        templates="trainers/email/staff_invite",
        domain=domain,
        use_https=use_https,
        context={"role": user.get_role_display()},
    )
    return True
