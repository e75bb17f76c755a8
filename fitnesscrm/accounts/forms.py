from django import forms
from django.contrib.auth import forms as auth_forms
from django.template import loader

from fitnesscrm.accounts.models import User, normalize_email
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.tasks import send_email


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
        try:
            return super().clean()
        except forms.ValidationError as exc:
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
    """Django's reset form, with the email sent by the background worker."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        text = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else ""
        )
        send_email.enqueue(to=[to_email], subject=subject, text=text, html=html)


class ApiKeyCreateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Where the key is used, e.g. “Zapier” or “Front-desk tablet”.",
    )


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm):
    pass
