"""Who may see a client's training and health data: the one rule both training and progress use.

Owners and managers see every client's programs, logs, measurements, photos and goals;
a trainer sees those of the clients actively assigned to them; a client sees their own;
the front desk sees none of it (it books and bills, it does not coach).
"""

from django.db.models import QuerySet

from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import visible_clients
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role

# Staff who build programs and keep the exercise library.
COACHING_ROLES = frozenset({*MANAGEMENT_ROLES, Role.TRAINER})
# Everyone who may open training pages at all (each then sees only what coached_clients allows).
TRAINING_ROLES = frozenset({*COACHING_ROLES, Role.CLIENT})


def coaches(user) -> bool:
    """Owners, managers and trainers: they manage programs and the exercise library."""
    return role_of(user) in COACHING_ROLES


def coached_clients(user) -> QuerySet[Client]:
    """The clients whose training and health data `user` may see (none for the front desk)."""
    if role_of(user) not in TRAINING_ROLES:
        return Client.objects.none()
    return visible_clients(user)
