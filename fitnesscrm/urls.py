from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from fitnesscrm.accounts import views as account_views
from fitnesscrm.api import api
from fitnesscrm.core import views as core_views
from fitnesscrm.core.roles import Role
from fitnesscrm.ops import views as ops_views
from fitnesscrm.ops.metrics import metrics_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="home", permanent=False), name="root"),
    path("home/", account_views.home, name="home"),
    path("owner/", account_views.role_home(Role.OWNER), name="home-owner"),
    path("manager/", account_views.role_home(Role.MANAGER), name="home-manager"),
    path("trainer/", account_views.role_home(Role.TRAINER), name="home-trainer"),
    path("front-desk/", account_views.role_home(Role.FRONT_DESK), name="home-front-desk"),
    path("portal/", account_views.role_home(Role.CLIENT), name="home-client"),
    path("account/", include("fitnesscrm.accounts.urls")),
    path("audit/", core_views.audit_log, name="audit-log"),
    path("clients/", include("fitnesscrm.clients.urls_io")),
    path("", include("fitnesscrm.clients.urls")),
    path("", include("fitnesscrm.trainers.urls")),
    path("schedule/", include("fitnesscrm.scheduling.urls")),
    path("availability/", include("fitnesscrm.scheduling.urls_availability")),
    path("portal/schedule/", include("fitnesscrm.scheduling.urls_portal")),
    path("calendar/", include("fitnesscrm.scheduling.urls_feeds")),
    path("billing/revenue/", include("fitnesscrm.billing.urls_revenue")),
    path("portal/billing/", include("fitnesscrm.billing.urls_portal")),
    path("billing/stripe/", include("fitnesscrm.billing.urls_stripe")),
    path("billing/", include("fitnesscrm.billing.urls")),
    path("training/exercises/", include("fitnesscrm.training.urls_exercises")),
    path("training/programs/", include("fitnesscrm.training.urls_programs")),
    path("training/workouts/", include("fitnesscrm.training.urls_workouts")),
    path("portal/training/", include("fitnesscrm.training.urls_portal")),
    path("progress/photos/", include("fitnesscrm.progress.urls_photos")),
    path("progress/", include("fitnesscrm.progress.urls")),
    path("portal/progress/", include("fitnesscrm.progress.urls_portal")),
    path("privacy/", include("fitnesscrm.privacy.urls")),
    path("portal/privacy/", include("fitnesscrm.privacy.urls_portal")),
    path("health/live", ops_views.live, name="health-live"),
    path("health/ready", ops_views.ready, name="health-ready"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "fitnesscrm.core.views.bad_request"
handler403 = "fitnesscrm.core.views.permission_denied"
handler404 = "fitnesscrm.core.views.page_not_found"
handler500 = "fitnesscrm.core.views.server_error"
