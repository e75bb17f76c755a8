from django.urls import path

from fitnesscrm.accounts import views, views_security, views_sessions
from fitnesscrm.core.ratelimit import limit_password_reset

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views_security.login_code, name="login-code"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views_security.two_factor_status, name="two-factor"),
    path("two-factor/enrol/", views_security.two_factor_enrol, name="two-factor-enrol"),
    path("two-factor/disable/", views_security.two_factor_disable, name="two-factor-disable"),
    path("two-factor/recovery-codes/", views_security.recovery_codes, name="two-factor-recovery"),
    path("security/", views_security.security_settings, name="security"),
    path("users/<int:user_id>/unlock/", views_security.unlock, name="unlock"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "password/reset/",
        limit_password_reset(views.PasswordResetView.as_view()),
        name="password-reset",
    ),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("api-keys/", views.api_keys, name="api-keys"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
    path("sessions/", views_sessions.session_list, name="sessions"),
    path("sessions/<int:session_id>/end/", views_sessions.session_end, name="session-end"),
    path("sessions/end-others/", views_sessions.sessions_end_others, name="sessions-end-others"),
    path("confirm-password/", views_sessions.confirm_password, name="confirm-password"),
]
