"""The lead board: one column per lead stage."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fitnesscrm.clients import selectors
from fitnesscrm.clients.models import LeadStage, Source
from fitnesscrm.clients.views._common import STAFF
from fitnesscrm.core.permissions import role_required


@require_GET
@role_required(*STAFF)
def lead_board(request: HttpRequest) -> HttpResponse:
    board = selectors.lead_board(user=request.user)
    columns = [
        {"stage": stage, "label": label, "cards": board[stage]}
        for stage, label in LeadStage.choices
    ]
    context = {
        "columns": columns,
        "stage_choices": LeadStage.choices,
        "sources": dict(Source.choices),
        "today": timezone.localdate(),
    }
    return render(request, "clients/leads.html", context)
