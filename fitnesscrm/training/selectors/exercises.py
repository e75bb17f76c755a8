"""Reads of the exercise library: the shipped exercises and the business's own.

Owners, managers, trainers and clients read the library (a client needs the
instructions of the exercises in their program); the front desk and anonymous
visitors see none of it. Archived exercises are hidden from the list; staff who
keep the library may ask for them, and an archived exercise still opens by id for
everyone who reads the library, since programs written before it was archived
still point to it.
"""

import unicodedata

from django.db.models import Q, QuerySet

from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.training.access import COACHING_ROLES, TRAINING_ROLES
from fitnesscrm.training.models import Equipment, Exercise, MuscleGroup

# Longest search text taken into account; the rest is ignored.
MAX_QUERY_LENGTH = 100


def reads_library(user) -> bool:
    """Owners, managers, trainers and clients read the exercise library."""
    return role_of(user) in TRAINING_ROLES


def keeps_library(user) -> bool:
    """Owners, managers and trainers add and change the business's own exercises."""
    return role_of(user) in COACHING_ROLES


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _name_matches(word: str) -> Q:
    """The name contains `word`, ignoring case, and ignoring accents typed in the search."""
    condition = Q(name__icontains=word)
    plain = _unaccented(word)
    if plain != word:
        condition |= Q(name__icontains=plain)
    return condition


def _with_relations(exercises: QuerySet[Exercise]) -> QuerySet[Exercise]:
    """Muscles and equipment in three queries for a whole page, whatever its length."""
    return exercises.prefetch_related("primary_muscles", "secondary_muscles", "equipment")


def exercise_list(
    *,
    user,
    q: str = "",
    muscle: str = "",
    equipment: str = "",
    category: str = "",
    level: str = "",
    include_archived: bool = False,
) -> QuerySet[Exercise]:
    """Exercises `user` may read, by name, filtered; archived ones only for coaching staff.

    `q` matches names by each of its words (case- and accent-insensitive for what is
    typed); `muscle` is a muscle-group slug matched against primary or secondary
    muscles; `equipment` an equipment slug; `category` and `level` the model's values.
    """
    if not reads_library(user):
        return Exercise.objects.none()
    exercises = Exercise.objects.all()
    if not (include_archived and keeps_library(user)):
        exercises = exercises.filter(archived_at__isnull=True)
    for word in (q or "")[:MAX_QUERY_LENGTH].split():
        exercises = exercises.filter(_name_matches(word))
    if muscle:
        worked = Exercise.objects.filter(
            Q(primary_muscles__slug=muscle) | Q(secondary_muscles__slug=muscle)
        ).values("pk")
        exercises = exercises.filter(pk__in=worked)
    if equipment:
        exercises = exercises.filter(
            pk__in=Exercise.objects.filter(equipment__slug=equipment).values("pk")
        )
    if category:
        exercises = exercises.filter(category=category)
    if level:
        exercises = exercises.filter(level=level)
    return _with_relations(exercises.order_by("name", "id"))


def exercise_get(*, user, exercise_id: int) -> Exercise:
    """One exercise `user` may read (archived ones too), or NotFound."""
    if not reads_library(user):
        raise NotFound("No such exercise.")
    found = _with_relations(Exercise.objects.filter(pk=exercise_id)).first()
    if found is None:
        raise NotFound("No such exercise.")
    return found


def muscle_group_list() -> QuerySet[MuscleGroup]:
    """Every muscle group, by name (the library's filter and form choices)."""
    return MuscleGroup.objects.order_by("name")


def equipment_list() -> QuerySet[Equipment]:
    """Every piece of equipment, by name."""
    return Equipment.objects.order_by("name")
