"""Sign-in, passwords, each role's home page, and API keys."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.accounts import (
    security_notices,
    selectors,
    services,
    two_factor,
    views_security,
)
from fitnesscrm.accounts.forms import (
    ApiKeyCreateForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from fitnesscrm.analytics import selectors as dashboards
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.permissions import role_of, role_required
from fitnesscrm.core.roles import STAFF_ROLES, Role


class LoginView(auth_views.LoginView):
    """The password step. With 2FA on, the code step follows before anyone is signed in."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.is_enrolled(user):
            return views_security.begin_second_step(self.request, user, self.get_redirect_url())
        response = super().form_valid(form)
        views_security.after_login(self.request, user)
        if self.request.session.get(views_security.ENROL_KEY):
            messages.info(
                self.request,
                "Your business requires two-factor authentication: set it up to continue.",
            )
            return redirect("accounts:two-factor-enrol")
        return response


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=self.request.user, action="auth.password_change", target=form.user)
        security_notices.notify(self.request, form.user, "password_changed")
        messages.success(self.request, "Your password has been changed.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    # The email's templates are chosen by services.password_reset_email_send.
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        audit_record(
            action="auth.password_reset_requested",
            object_type="accounts.user",
            object_label=form.cleaned_data["email"][:200],
        )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    # Never signed in by the reset: the sign-in that follows asks for the second factor.
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.user, action="auth.password_reset", target=form.user)
        security_notices.notify(self.request, form.user, "password_reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their role."""
    if role_of(request.user) is None:
        return redirect("accounts:login")
    return redirect(request.user.home_url_name)


HOME_PAGES = {
    Role.OWNER: ("Owner dashboard", "The business at a glance: clients, leads and trainers."),
    Role.MANAGER: ("Manager dashboard", "Day-to-day running of the gym and its staff."),
    Role.TRAINER: ("Trainer home", "Your clients, your follow-ups and your certifications."),
    Role.FRONT_DESK: ("Front desk", "Today's follow-ups, new leads and a quick client search."),
    Role.CLIENT: ("My portal", "Your trainers and your profile."),
}

# Each role's dashboard: the selector that gathers its figures, and the template showing them.
DASHBOARDS = {
    Role.OWNER: (dashboards.management_dashboard, "dashboard/management.html"),
    Role.MANAGER: (dashboards.management_dashboard, "dashboard/management.html"),
    Role.TRAINER: (dashboards.trainer_dashboard, "dashboard/trainer.html"),
    Role.FRONT_DESK: (dashboards.front_desk_dashboard, "dashboard/front_desk.html"),
    Role.CLIENT: (dashboards.client_portal, "dashboard/client.html"),
}


def role_home(role: Role):
    title, lead = HOME_PAGES[role]
    selector, template = DASHBOARDS[role]

    @require_GET
    @role_required(role)
    def view(request: HttpRequest) -> HttpResponse:
        context = {
            "title": title,
            "lead": lead,
            "role": role,
            "page_role": role.label,
            "dashboard": selector(user=request.user),
            "dashboard_template": template,
        }
        return render(request, "accounts/home.html", context)

    view.__name__ = f"home_{role.value}"
    return view


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            key, new_key = services.api_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.scopes(),
                expires_at=form.expires_at(),
            )
        except ApplicationError as exc:
            field = exc.errors[0].get("field") if exc.errors else "name"
            form.add_error(
                {"scopes": None, "expires_at": "expires_on"}.get(field, "name"), exc.message
            )
        else:
            messages.success(request, f"API key “{key.name}” created. Copy it now.")
            form = ApiKeyCreateForm()
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "accounts/api_keys.html",
        {"form": form, "keys": selectors.api_key_list(user=request.user), "new_key": new_key},
        status=status,
    )


@require_POST
@role_required(*STAFF_ROLES)
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        key = services.api_key_revoke(key_id=key_id, actor=request.user)
    except NotFound as exc:  # someone else's key, or none: it does not exist for this user
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"API key “{key.name}” revoked; it no longer works.")
    return redirect("accounts:api-keys")
