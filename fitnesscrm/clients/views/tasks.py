"""Follow-up tasks across clients: the list of the user's tasks, and marking one done or
reopening it. (A new task is added from the client's page, in views.detail.)"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.views._common import STAFF, _back
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_required

TASKS_PAGE_SIZE = 50


@require_GET
@role_required(*STAFF)
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = selectors.tasks_for(user=request.user)
    page = Paginator(tasks, TASKS_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "clients/tasks.html",
        {
            "page": page,
            "today": today,
            "overdue": sum(1 for task in page if task.due_date < today),
        },
    )


@require_POST
@role_required(*STAFF)
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    done = request.POST.get("done", "1") == "1"
    try:
        task = services.task_complete(actor=request.user, task_id=task_id, done=done)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"“{task.title}” {'done' if done else 'reopened'}.")
    return redirect(_back(request, reverse("clients:tasks")))
