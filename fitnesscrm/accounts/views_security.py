"""Pages of sign-in security: the second sign-in step, two-factor set-up, the owner's
policy, and unlocking a locked account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fitnesscrm.accounts import security_notices, throttle, two_factor
from fitnesscrm.accounts.forms import (
    SecuritySettingsForm,
    TwoFactorAppCodeForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
)
from fitnesscrm.accounts.middleware import ENROL_KEY
from fitnesscrm.accounts.models import SecuritySettings, User
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.permissions import role_required
from fitnesscrm.core.roles import STAFF_ROLES, Role

# Session keys: a sign-in waiting for its second step; ENROL_KEY, a user who must set up 2FA.
PENDING_KEY = "two_factor_pending"


def begin_second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """The password was right: keep who is signing in, for a short while, and ask for a code."""
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "expires": timezone.now().timestamp() + settings.TWO_FACTOR_LOGIN_TIMEOUT,
        "next": next_url,
    }
    return redirect("accounts:login-code")


def after_login(request: HttpRequest, user: User) -> None:
    """A completed sign-in: the count of failures starts again; the policy may ask for 2FA."""
    throttle.login_success(email=user.email)
    if two_factor.enrolment_required(user):
        request.session[ENROL_KEY] = True


def _pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, {}
    if timezone.now().timestamp() > pending.get("expires", 0):
        del request.session[PENDING_KEY]
        messages.error(request, "That took too long. Sign in again.")
        return None, {}
    user = User.objects.filter(pk=pending.get("user_id"), is_active=True).first()
    if user is None:
        del request.session[PENDING_KEY]
    return user, pending


def _give_up(request: HttpRequest, message: str) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    messages.error(request, message)
    return redirect("accounts:login")


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in: a code of the authenticator app, or a recovery code."""
    if request.user.is_authenticated:
        return redirect("home")
    user, pending = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = throttle.current_ip()
        known = security_notices.browser_knows(request, user.email)
        minutes = throttle.login_lock_minutes(email=user.email, ip=ip, known_browser=known)
        if minutes is not None:
            return _give_up(request, throttle.locked_message(minutes))
        try:
            method = two_factor.verify(user=user, code=form.cleaned_data["code"])
        except two_factor.InvalidCode as exc:
            throttle.login_failure_record(email=user.email, ip=ip, reason="code")
            minutes = throttle.login_lock_minutes(email=user.email, ip=ip, known_browser=known)
            if minutes is not None:
                return _give_up(request, throttle.locked_message(minutes))
            form.add_error("code", exc.message)
        else:
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            after_login(request, user)
            if method == "recovery":
                left = two_factor.recovery_codes_left(user)
                security_notices.notify(request, user, "recovery_code_used", codes_left=left)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Each works only once: "
                    "make new ones on the two-factor page if you are running out.",
                )
            next_url = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = settings.LOGIN_REDIRECT_URL
            return redirect(next_url)
    status = 400 if form.errors else 200
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@require_http_methods(["GET"])
@role_required(*STAFF_ROLES)
def two_factor_status(request: HttpRequest) -> HttpResponse:
    enrolled = two_factor.is_enrolled(request.user)
    context = {
        "enrolled": enrolled,
        "codes_left": two_factor.recovery_codes_left(request.user) if enrolled else 0,
        "required": SecuritySettings.load().requires_two_factor(request.user),
        "form": TwoFactorAppCodeForm(),
    }
    return render(request, "accounts/two_factor.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    if two_factor.is_enrolled(request.user):
        request.session.pop(ENROL_KEY, None)
        return redirect("accounts:two-factor")
    form = TwoFactorAppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.enrolment_confirm(user=request.user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(ENROL_KEY, None)
            security_notices.notify(request, request.user, "two_factor_on")
            messages.success(request, "Two-factor authentication is on.")
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    _device, secret = two_factor.enrolment_start(user=request.user)
    uri = two_factor.provisioning_uri(user=request.user, secret=secret)
    context = {
        "form": form,
        "secret": secret,
        "qr_svg": two_factor.qr_svg(uri),
        "required": request.session.get(ENROL_KEY, False),
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_enrol.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    if not two_factor.is_enrolled(request.user):
        return redirect("accounts:two-factor")
    form = TwoFactorDisableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.disable(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except ApplicationError as exc:
            # invalid_password and invalid_code belong to their fields; the rest to the form.
            field = exc.code.removeprefix("invalid_")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            security_notices.notify(request, request.user, "two_factor_off")
            messages.success(request, "Two-factor authentication is off.")
            return redirect("accounts:two-factor")
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_disable.html", {"form": form}, status=status)


@never_cache
@require_POST
@role_required(*STAFF_ROLES)
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, after a current code of the app; the old ones stop working."""
    form = TwoFactorAppCodeForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.recovery_codes_regenerate(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            security_notices.notify(request, request.user, "recovery_codes_new")
            messages.success(request, "New recovery codes made; the old ones no longer work.")
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    enrolled = two_factor.is_enrolled(request.user)
    context = {
        "enrolled": enrolled,
        "codes_left": two_factor.recovery_codes_left(request.user) if enrolled else 0,
        "required": SecuritySettings.load().requires_two_factor(request.user),
        "form": form,
    }
    return render(request, "accounts/two_factor.html", context, status=400)


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def security_settings(request: HttpRequest) -> HttpResponse:
    form = SecuritySettingsForm(request.POST or None, instance=SecuritySettings.load())
    if request.method == "POST" and form.is_valid():
        two_factor.policy_update(
            actor=request.user,
            two_factor_policy=form.cleaned_data["two_factor_policy"],
            keep_session_key=request.session.session_key,
        )
        messages.success(request, "Security settings saved.")
        if two_factor.enrolment_required(request.user):
            request.session[ENROL_KEY] = True
            return redirect("accounts:two-factor-enrol")
        return redirect("accounts:security")
    status = 400 if form.errors else 200
    return render(request, "accounts/security_settings.html", {"form": form}, status=status)


@require_POST
@role_required(Role.OWNER)
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        user = throttle.login_unlock(actor=request.user, user_id=user_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"{user} can sign in again.")
    return redirect("trainers:staff")
