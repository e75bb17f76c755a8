"""Reads of progress photos, scoped by the one rule of training and health data.

Owners and managers see every client's photos, a trainer those of their assigned
clients, a client their own; the front desk and everyone else none. A photo or a
client the user may not see is NotFound, whatever its id.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, QuerySet

from fitnesscrm.clients.models import Client
from fitnesscrm.core.errors import NotFound
from fitnesscrm.progress.models import Pose, ProgressPhoto
from fitnesscrm.training.access import coached_clients


def visible_photos(user) -> QuerySet[ProgressPhoto]:
    """Every photo `user` may see."""
    return ProgressPhoto.objects.filter(client__in=coached_clients(user))


def photo_client(*, user, client_id) -> Client:
    """The client whose photos `user` asks for, or NotFound."""
    try:
        return coached_clients(user).get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such client.") from exc


def client_photos(*, user, client_id) -> QuerySet[ProgressPhoto]:
    """A client's photos, newest date first, then front, side, back; NotFound if not theirs."""
    client = photo_client(user=user, client_id=client_id)
    return photos_of(client)


def photos_of(client: Client) -> QuerySet[ProgressPhoto]:
    """The photos of a client already checked with photo_client."""
    return ProgressPhoto.objects.filter(client=client).order_by("-taken_on", "pose", "-id")


def photo_get(*, user, photo_id) -> ProgressPhoto:
    """One photo `user` may see, with its client, or NotFound."""
    try:
        return visible_photos(user).select_related("client").get(pk=photo_id)
    except (ProgressPhoto.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such photo.") from exc


@dataclass(frozen=True)
class PhotoDate:
    day: date
    count: int


def dates_of(client: Client) -> list[PhotoDate]:
    """The dates a client's photos were taken on, newest first, with how many on each."""
    rows = (
        ProgressPhoto.objects.filter(client=client)
        .values("taken_on")
        .annotate(count=Count("id"))
        .order_by("-taken_on")
    )
    return [PhotoDate(row["taken_on"], row["count"]) for row in rows]


def photo_dates(*, user, client_id) -> list[PhotoDate]:
    """The dates of a client's photos, newest first; NotFound if not theirs."""
    return dates_of(photo_client(user=user, client_id=client_id))


@dataclass
class PoseComparison:
    pose: str
    label: str
    first: list[ProgressPhoto] = field(default_factory=list)
    second: list[ProgressPhoto] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.first and not self.second


def comparison_of(client: Client, *, first: date, second: date) -> list[PoseComparison]:
    """Per pose (front, side, back), the client's photos of each of the two dates."""
    rows = {pose: PoseComparison(pose, label) for pose, label in Pose.choices}
    photos = ProgressPhoto.objects.filter(client=client, taken_on__in={first, second}).order_by(
        "pose", "-id"
    )
    for photo in photos:
        row = rows[photo.pose]
        if photo.taken_on == first:
            row.first.append(photo)
        if photo.taken_on == second:
            row.second.append(photo)
    return list(rows.values())


def photo_comparison(*, user, client_id, first: date, second: date) -> list[PoseComparison]:
    """Per pose, the photos of `first` and of `second`; NotFound if the client is not theirs."""
    client = photo_client(user=user, client_id=client_id)
    return comparison_of(client, first=first, second=second)
