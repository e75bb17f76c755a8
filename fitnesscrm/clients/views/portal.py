"""The client's own profile in the portal: their details, their trainers, their consents."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.forms import ConsentForm
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers import selectors as trainer_selectors


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_profile(request: HttpRequest) -> HttpResponse:
    client = selectors.client_of_user(request.user)
    if client is None:
        return render(request, "clients/portal_profile.html", {"client": None}, status=200)
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        initial={"email_consent": client.email_consent, "sms_consent": client.sms_consent},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.client_set_own_consent(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Your choices are saved.")
        return redirect("clients:portal-profile")
    context = {
        "client": client,
        "form": form,
        "trainers": list(trainer_selectors.visible_trainers(request.user).select_related("user")),
    }
    return render(request, "clients/portal_profile.html", context)
