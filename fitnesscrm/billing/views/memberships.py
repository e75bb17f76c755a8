"""Memberships of every client the user may see, with their status and credits.

Trainers see their own clients' memberships and status only, never amounts.
"""

from django.core.paginator import Paginator
from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fitnesscrm.billing import selectors
from fitnesscrm.billing.models import CreditGrant, MembershipStatus
from fitnesscrm.billing.views._common import PER_PAGE, STAFF, tabs
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.text import search_key


def credits_left():
    """The client's unexpired credits, as a subquery (one query for the whole page)."""
    today = timezone.localdate()
    grants = (
        CreditGrant.objects.filter(client=OuterRef("client_id"), remaining__gt=0)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .values("client")
        .annotate(n=Sum("remaining"))
        .values("n")
    )
    return Coalesce(Subquery(grants, output_field=IntegerField()), 0)


@require_GET
@role_required(*STAFF)
def membership_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:100]
    memberships = (
        selectors.visible_memberships(request.user)
        .select_related("client", "product")
        .annotate(credits_left=credits_left())
    )
    if status in MembershipStatus.values:
        memberships = memberships.filter(status=status)
    if q:
        memberships = memberships.filter(client__search_text__contains=search_key(q))
    page = Paginator(memberships.order_by("-started_on", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "billing/membership_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": MembershipStatus.choices,
            "sees_money": selectors.sees_money(request.user),
            "query": params.urlencode(),
            "tabs": tabs(request.user, "memberships"),
        },
    )
