"""Sign-ins, failed sign-ins and sign-outs go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fitnesscrm.accounts import security_notices
from fitnesscrm.accounts.models import normalize_email
from fitnesscrm.core.audit import audit_record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    # Before this sign-in is recorded: its notice compares with the earlier ones.
    security_notices.sign_in_check(request, user)
    audit_record(actor=user, action="auth.login", target=user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # The password is never recorded; Django already masks it in `credentials`.
    email = normalize_email(credentials.get("username") or credentials.get("email") or "")
    audit_record(
        action="auth.login_failed",
        object_type="accounts.user",
        object_label=email[:200],
        changes={"reason": kwargs.get("reason", "invalid credentials")},
    )


# Signed-in sessions: listed and ended from the account menu, ended on password changes.
from fitnesscrm.accounts import session_tracking  # noqa: E402,F401
