"""Reads of trainers. Staff see every trainer; a client sees the trainers assigned to them."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from fitnesscrm.core import generations
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import is_staff_member, manages_staff, role_of
from fitnesscrm.core.roles import STAFF_ROLES, Role
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers.models import EXPIRY_WARNING_DAYS, Certification, Specialization, Trainer

SORTS = {
    "name": ("user__full_name", "id"),
    "-name": ("-user__full_name", "-id"),
    "clients": ("active_clients", "user__full_name", "id"),
    "-clients": ("-active_clients", "user__full_name", "id"),
    "rate": ("hourly_rate_minor", "id"),
    "-rate": ("-hourly_rate_minor", "id"),
}


def visible_trainers(user) -> QuerySet[Trainer]:
    if is_staff_member(user):
        return Trainer.objects.all()
    if role_of(user) == Role.CLIENT:
        from fitnesscrm.clients.models import Assignment

        return Trainer.objects.filter(
            Exists(
                Assignment.objects.filter(
                    trainer=OuterRef("pk"), client__user=user, end_date__isnull=True
                )
            )
        )
    return Trainer.objects.none()


# Trainer choices are cached under this generation; trainers/apps.py follows the
# changes that alter them (a trainer, or the account that holds their name).
GENERATION = "trainers"


def trainer_choices(user) -> list[Trainer]:
    """The active trainers `user` may pick in a filter or a form, by name.

    Every list page and client record offers them; for staff (all trainers) they are
    cached until a trainer or a user account changes.
    """
    trainers = (
        visible_trainers(user)
        .filter(is_active=True)
        .select_related("user")
        .only("is_active", "colour", "user__full_name", "user__email")
        .order_by("user__full_name", "id")
    )
    if not is_staff_member(user):
        return list(trainers)
    return generations.cached(GENERATION, "active-choices", lambda: list(trainers))


def trainer_list(
    *,
    user,
    q: str = "",
    active: bool | None = True,
    specialization_id: int | None = None,
    sort: str = "name",
) -> QuerySet[Trainer]:
    """Trainers with their user, specializations, certifications and active client count."""
    trainers = visible_trainers(user).select_related("user")
    if active is not None:
        trainers = trainers.filter(is_active=active)
    if q:
        trainers = trainers.filter(search_text__contains=search_key(q))
    if specialization_id:
        trainers = trainers.filter(specializations__id=specialization_id)
    trainers = trainers.annotate(
        active_clients=Count(
            "assignments",
            filter=Q(assignments__end_date__isnull=True, assignments__client__archived_at=None),
            distinct=True,
        )
    )
    return trainers.order_by(*SORTS.get(sort, SORTS["name"])).prefetch_related(
        "specializations",
        Prefetch("certifications", queryset=Certification.objects.order_by("expires_on", "name")),
    )


def trainer_get(*, user, trainer_id: int) -> Trainer:
    try:
        return trainer_list(user=user, active=None).get(pk=trainer_id)
    except (Trainer.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such trainer.") from exc


def trainer_of_user(user) -> Trainer | None:
    return Trainer.objects.filter(user=user).first() if user.is_authenticated else None


def expiring_certifications(*, user, days: int = EXPIRY_WARNING_DAYS) -> QuerySet[Certification]:
    """Certifications of active trainers expired or expiring within `days`, soonest first."""
    if not is_staff_member(user):
        return Certification.objects.none()
    limit = timezone.localdate() + timedelta(days=days)
    return (
        Certification.objects.filter(trainer__is_active=True, expires_on__lte=limit)
        .select_related("trainer__user")
        .order_by("expires_on")
    )


def specialization_list():
    """Every specialization, for the trainer list's filter and the profile form."""
    return Specialization.objects.order_by("name")


STAFF_SORTS = {
    "name": ("full_name", "email", "id"),
    "-name": ("-full_name", "-email", "-id"),
    "role": ("role", "full_name", "id"),
    "joined": ("date_joined", "id"),
    "-joined": ("-date_joined", "-id"),
}


def staff_list(
    *, user, q: str = "", role: str = "", active: bool | None = None, sort: str = "name"
):
    """Staff accounts (any staff role) with their trainer profile, for owners and managers."""
    User = get_user_model()
    if not manages_staff(user):
        return User.objects.none()
    accounts = User.objects.filter(role__in=STAFF_ROLES).select_related("trainer_profile")
    if q:
        key = q.strip()
        accounts = accounts.filter(Q(full_name__icontains=key) | Q(email__icontains=key))
    if role:
        accounts = accounts.filter(role=role)
    if active is not None:
        accounts = accounts.filter(is_active=active)
    return accounts.order_by(*STAFF_SORTS.get(sort, STAFF_SORTS["name"]))


def staff_without_profile(*, user):
    """Active staff accounts that have no trainer profile yet: who a new profile can be for."""
    User = get_user_model()
    if not manages_staff(user):
        return User.objects.none()
    return User.objects.filter(
        role__in=STAFF_ROLES, is_active=True, trainer_profile__isnull=True
    ).order_by("full_name", "email")
