"""`{% client_coaching client %}`: the client's record page links to their training and progress.

Shown to the roles that coach (owners, managers, trainers): whoever of them sees a
client's record page may see their training and health data too (training.access).
No query: the links lead to pages that load what they show.
"""

from django import template

from fitnesscrm.core.permissions import role_of
from fitnesscrm.training.access import COACHING_ROLES

register = template.Library()


@register.inclusion_tag("training/_client_coaching.html", takes_context=True)
def client_coaching(context, client) -> dict:
    return {"client": client, "shown": role_of(context["request"].user) in COACHING_ROLES}
