from datetime import datetime, time

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.sites.shortcuts import get_current_site
from django.utils import timezone

from fitnesscrm.accounts import security_notices, throttle
from fitnesscrm.accounts.models import SecuritySettings, User, normalize_email
from fitnesscrm.accounts.passwords import password_rule
from fitnesscrm.accounts.tasks import send_password_reset_email
from fitnesscrm.core.forms_rendering import StyledFormMixin


class LoginForm(StyledFormMixin, auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": (
            "That email and password do not match an account. Check both and try again."
        ),
        "inactive": "This account has been disabled. Ask the business owner to re-enable it.",
    }

    def clean(self):
        email = normalize_email(self.cleaned_data.get("username", ""))
        if not email:
            return super().clean()
        ip = throttle.current_ip()
        known = security_notices.browser_knows(self.request, email)
        # A lock is checked before the password, the same way for every email typed, so
        # it says nothing about whether an account has this email.
        minutes = throttle.login_lock_minutes(email=email, ip=ip, known_browser=known)
        if minutes is not None:
            raise forms.ValidationError(throttle.locked_message(minutes), code="locked")
        try:
            return super().clean()
        except forms.ValidationError as exc:
            throttle.login_failure_record(email=email, ip=ip)
            minutes = throttle.login_lock_minutes(email=email, ip=ip, known_browser=known)
            if minutes is not None:
                raise forms.ValidationError(
                    throttle.locked_message(minutes), code="locked"
                ) from exc
            # The backend refuses disabled users as if the password were wrong; say
            # "disabled" instead, but only to someone who knows the password.
            email = normalize_email(self.cleaned_data.get("username", ""))
            password = self.cleaned_data.get("password") or ""
            user = User.objects.filter(email=email, is_active=False).first()
            if user is not None and user.check_password(password):
                raise forms.ValidationError(
                    self.error_messages["inactive"], code="inactive"
                ) from exc
            raise


class PasswordResetForm(StyledFormMixin, auth_forms.PasswordResetForm):
    """Django's reset form; the background worker makes the link and sends the email."""

    def save(self, *, domain_override=None, use_https=False, request=None, **kwargs):
        domain = domain_override or get_current_site(request).domain
        for user in self.get_users(self.cleaned_data["email"]):
            # Enqueued in the request's transaction: only the id waits in the queue.
            send_password_reset_email.enqueue(user_id=user.pk, domain=domain, use_https=use_https)


ACCESS_CHOICES = [("", "No access"), ("read", "Read"), ("write", "Read and write")]


class ApiKeyCreateForm(StyledFormMixin, forms.Form):
    """A key's name, what it may do in each area of the API, and an optional last day."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Where the key is used, e.g. “Zapier” or “Front-desk tablet”.",
        error_messages={"required": "Give the key a name, so you know later where it is used."},
    )
    expires_on = forms.DateField(
        label="Valid until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The key stops working at the end of this day. Empty: it never expires.",
        error_messages={"invalid": "Enter a date, e.g. 2026-12-31."},
    )

    def __init__(self, *args, **kwargs):
        from fitnesscrm.core.api_auth import API_AREAS

        super().__init__(*args, **kwargs)
        for area, description in API_AREAS.items():
            self.fields[f"scope_{area}"] = forms.ChoiceField(
                label=area.capitalize(),
                choices=ACCESS_CHOICES,
                required=False,
                initial="read",
                help_text=description,
            )
        for name in self.scope_field_names:
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    @property
    def scope_field_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith("scope_")]

    @property
    def scope_fields(self):
        return [self[name] for name in self.scope_field_names]

    def scopes(self) -> list[str]:
        """The scopes chosen: "<area>:read" or "<area>:write" for each area given access."""
        return [
            f"{name.removeprefix('scope_')}:{self.cleaned_data[name]}"
            for name in self.scope_field_names
            if self.cleaned_data.get(name)
        ]

    def expires_at(self):
        """The end of the chosen day in the business's time zone, or None."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        zone = timezone.get_current_timezone()
        return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


class _PasswordRuleMixin:
    """The new-password field says the rule of this user's role (12 or 8 to 128 characters)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].help_text = password_rule(user)
        self.fields["new_password1"].widget.attrs["maxlength"] = 128


class PasswordChangeForm(_PasswordRuleMixin, StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(_PasswordRuleMixin, StyledFormMixin, auth_forms.SetPasswordForm):
    pass


def _code_field(*, autofocus: bool, recovery: bool = True) -> forms.CharField:
    attrs = {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
    if autofocus:
        attrs["autofocus"] = True
    help_text = "The 6-digit code your authenticator app shows now"
    help_text += ", or one of your recovery codes." if recovery else "."
    return forms.CharField(
        label="Code",
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": "Enter the code from your authenticator app."},
    )


class TwoFactorCodeForm(StyledFormMixin, forms.Form):
    code = _code_field(autofocus=True)


class TwoFactorAppCodeForm(StyledFormMixin, forms.Form):
    """Only a code of the app (setting up, or making new recovery codes)."""

    code = _code_field(autofocus=True, recovery=False)


class TwoFactorDisableForm(StyledFormMixin, forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password."},
    )
    code = _code_field(autofocus=False)


class ConfirmPasswordForm(StyledFormMixin, forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "Enter your password."},
    )


class SecuritySettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SecuritySettings
        fields = ["two_factor_policy"]
        widgets = {"two_factor_policy": forms.RadioSelect}
