"""A user's signed-in sessions: the list, ending one, ending all others (after the password)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fitnesscrm.accounts import reauth, session_tracking
from fitnesscrm.accounts.forms import ConfirmPasswordForm
from fitnesscrm.core.errors import NotFound


@require_GET
@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    current = request.session.session_key
    rows = [
        {
            "row": row,
            "device": session_tracking.device_label(row.user_agent),
            "current": row.session_key == current,
        }
        for row in session_tracking.user_session_list(user=request.user)
    ]
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": rows,
            "others": sum(not item["current"] for item in rows),
            "idle_minutes": session_tracking.idle_timeout(request.user) // 60,
            "absolute_hours": session_tracking.absolute_timeout() // 3600,
        },
    )


@require_POST
@login_required
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    if reauth.password_needed_to_end(request, session_id):
        return reauth.ask_to_confirm(request, reverse("accounts:sessions"))
    try:
        row = session_tracking.session_end(actor=request.user, session_id=session_id)
    except NotFound as exc:  # someone else's session, or none: it does not exist for this user
        raise Http404(exc.message) from exc
    if row.session_key == request.session.session_key:
        # This browser's own session: ending it is signing out.
        logout(request)
        messages.info(request, "You ended this session and are signed out.")
        return redirect("accounts:login")
    device = session_tracking.device_label(row.user_agent)
    messages.success(request, f"The session on {device} has ended; it is signed out.")
    return redirect("accounts:sessions")


@require_POST
@login_required
@reauth.reauth_required
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = session_tracking.sessions_end_others(
        actor=request.user, keep_key=request.session.session_key
    )
    if ended:
        noun = "session" if ended == 1 else "sessions"
        messages.success(request, f"{ended} other {noun} ended; only this one is signed in.")
    else:
        messages.info(request, "You had no other sessions: only this one is signed in.")
    return redirect("accounts:sessions")


@require_http_methods(["GET", "POST"])
@login_required
def confirm_password(request: HttpRequest) -> HttpResponse:
    """The password again, before ending other sessions; then back to where it was asked."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("accounts:sessions")
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = reauth.confirm(request, form.cleaned_data["password"])
        if refusal is None:
            return redirect(next_url)
        form.add_error("password", refusal)
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/confirm_password.html",
        {"form": form, "next": next_url, "window_minutes": settings.REAUTH_WINDOW_SECONDS // 60},
        status=status,
    )
