"""Calendar feeds: the public `.ics` address, and the pages that show and rotate it.

The feed is fetched by calendar servers (Google, Apple, Microsoft) that carry no
cookie: the secret token in the address is the only credential, and the view never
touches the visitor's session. The answer carries a strong ETag computed from its
bytes, so a calendar polling every few minutes gets a 304 while nothing changed.
"""

import hashlib
import re
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_GET, require_POST, require_safe

from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import STAFF_ROLES, Role
from fitnesscrm.scheduling import feeds, services
from fitnesscrm.scheduling.models import CalendarFeed
from fitnesscrm.trainers import selectors as trainer_selectors

# What new_feed_token() makes (URL-safe base64); anything else is not looked up.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A feed's last fetch is written at most this often, so polling does not write every time.
FETCH_RECORD_EVERY = timedelta(minutes=1)
# How long a calendar app (or a browser) may reuse an answer without asking again.
CACHE_SECONDS = 5 * 60


def _not_found() -> HttpResponse:
    # Plain text: the HTML 404 page would read the visitor's session.
    return HttpResponseNotFound("No such calendar feed.\n", content_type="text/plain")


def _live_feed(token: str) -> CalendarFeed | None:
    """The feed of an active trainer or a client not archived, or None."""
    if not TOKEN.match(token):
        return None
    feed = (
        CalendarFeed.objects.select_related("trainer__user", "client").filter(token=token).first()
    )
    if feed is None:
        return None
    if feed.trainer_id is not None:
        trainer = feed.trainer
        return feed if trainer.is_active and trainer.user.is_active else None
    return feed if feed.client.archived_at is None else None


def _record_fetch(feed: CalendarFeed) -> None:
    now = timezone.now()
    if feed.last_fetched_at is not None and feed.last_fetched_at > now - FETCH_RECORD_EVERY:
        return
    # Conditional, so two fetches in the same minute on two servers write once.
    CalendarFeed.objects.filter(
        Q(last_fetched_at__isnull=True) | Q(last_fetched_at__lte=now - FETCH_RECORD_EVERY),
        pk=feed.pk,
    ).update(last_fetched_at=now)


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """GET /calendar/<token>.ics: the subscribed calendar, or 304 when it has not changed."""
    found = _live_feed(token)
    if found is None:
        return _not_found()
    if found.trainer_id is not None:
        calendar = feeds.trainer_calendar(found.trainer, feeds.trainer_sessions(found.trainer))
    else:
        calendar = feeds.client_calendar(
            found.client, feeds.client_bookings_by_session(found.client)
        )
    body = calendar.to_ical()
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    modified = feeds.last_modified(calendar) or found.rotated_at or found.created_at
    _record_fetch(found)
    response = get_conditional_response(request, etag=etag, last_modified=int(modified.timestamp()))
    if response is None:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    response["X-Robots-Tag"] = "noindex"
    return response


# --- The pages that show the address ----------------------------------------------------


def _addresses(request: HttpRequest, feed_row: CalendarFeed) -> dict:
    url = request.build_absolute_uri(reverse("feeds:feed", args=[feed_row.token]))
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"feed": feed_row, "feed_url": url, "webcal_url": webcal}


@require_GET
@role_required(*STAFF_ROLES)
def trainer_feed(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _trainer(request.user, trainer_id)
    try:
        feed_row = services.calendar_feed_get_or_create(actor=request.user, trainer=trainer)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    context = {
        **_addresses(request, feed_row),
        "trainer": trainer,
        "is_me": trainer.user_id == request.user.pk,
        "rotate_url": reverse("feeds:trainer-rotate", args=[trainer.pk]),
    }
    return render(request, "scheduling/feeds/trainer.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def trainer_feed_rotate(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = _trainer(request.user, trainer_id)
    try:
        services.calendar_feed_rotate(actor=request.user, trainer=trainer)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _ROTATED)
    return redirect("feeds:trainer", trainer_id=trainer.pk)


def _trainer(user, trainer_id: int):
    try:
        return trainer_selectors.trainer_get(user=user, trainer_id=trainer_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


_ROTATED = (
    "The calendar address has been changed. Calendars subscribed to the old one stop "
    "updating: subscribe again with the new address."
)


@require_GET
@role_required(Role.CLIENT)
def portal_feed(request: HttpRequest) -> HttpResponse:
    client = client_of_user(request.user)
    context = {"client": client, "rotate_url": reverse("feeds:portal-rotate")}
    if client is not None:
        feed_row = services.calendar_feed_get_or_create(actor=request.user, client=client)
        context.update(_addresses(request, feed_row))
    return render(request, "scheduling/feeds/portal.html", context)


@require_POST
@role_required(Role.CLIENT)
def portal_feed_rotate(request: HttpRequest) -> HttpResponse:
    client = client_of_user(request.user)
    if client is not None:
        services.calendar_feed_rotate(actor=request.user, client=client)
        messages.success(request, _ROTATED)
    return redirect("feeds:portal")
