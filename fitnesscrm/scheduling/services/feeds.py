"""Calendar feed addresses: made on first use, rotated on request, audited either way.

The token in the address is the only thing a calendar app holds, so who may read
or replace it is checked here: a trainer's own (or any, for owners and managers),
and a client's own.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import Forbidden
from fitnesscrm.core.permissions import manages_staff
from fitnesscrm.scheduling.models import CalendarFeed, new_feed_token
from fitnesscrm.trainers.models import Trainer


def _owner_of(*, trainer: Trainer | None, client: Client | None) -> dict:
    if (trainer is None) == (client is None):
        raise TypeError("give a trainer or a client")
    return {"trainer": trainer} if trainer is not None else {"client": client}


def can_manage_feed(actor, *, trainer: Trainer | None = None, client: Client | None = None) -> bool:
    if trainer is not None:
        return trainer.user_id == actor.pk or manages_staff(actor)
    own = client_of_user(actor)
    return own is not None and client is not None and own.pk == client.pk


def _require(actor, owner: dict) -> None:
    if not can_manage_feed(actor, **owner):
        if "trainer" in owner:
            raise Forbidden("Only the trainer, owners and managers see a trainer's calendar feed.")
        raise Forbidden("Only the client sees their own calendar feed.")


def calendar_feed_get_or_create(
    *, actor, trainer: Trainer | None = None, client: Client | None = None
) -> CalendarFeed:
    """The feed of `trainer` or `client`, made with a new secret token the first time.

    Someone other than the feed's holder reading it (a manager opening a trainer's)
    is recorded, since the address is the key to that calendar.
    """
    owner = _owner_of(trainer=trainer, client=client)
    _require(actor, owner)
    feed = CalendarFeed.objects.filter(**owner).first()
    if feed is None:
        try:
            with transaction.atomic():
                feed = CalendarFeed.objects.create(**owner)
                audit_record(actor=actor, action="calendar_feed.create", target=feed)
        except IntegrityError:
            # Two first visits at once: the other one made it.
            return CalendarFeed.objects.get(**owner)
    elif trainer is not None and trainer.user_id != actor.pk:
        audit_record(actor=actor, action="calendar_feed.view", target=feed)
    return feed


@transaction.atomic
def calendar_feed_rotate(
    *, actor, trainer: Trainer | None = None, client: Client | None = None
) -> CalendarFeed:
    """Give the feed a new secret token: the old address stops working at once."""
    owner = _owner_of(trainer=trainer, client=client)
    _require(actor, owner)
    feed = CalendarFeed.objects.select_for_update().filter(**owner).first()
    if feed is None:
        feed = CalendarFeed.objects.create(**owner)
        audit_record(actor=actor, action="calendar_feed.create", target=feed)
        return feed
    feed.token = new_feed_token()
    feed.rotated_at = timezone.now()
    feed.save(update_fields=["token", "rotated_at"])
    audit_record(actor=actor, action="calendar_feed.rotate", target=feed)
    return feed
