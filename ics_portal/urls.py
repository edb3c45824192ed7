from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import views

# The admin signs in through allauth, so its rate limits and one-time codes guard the admin too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = settings.SERVICE_NAME

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("healthz", views.healthz, name="healthz"),
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/floor-post/", views.floor_post, name="bench_floor_post"),
    path("assets/<path:path>", RedirectView.as_view(url="/static/nhsuk/assets/%(path)s", permanent=True)),
    # Sign-in is by one-time code only: allauth's password, email-management, reauthentication (by password) and
    # connected-accounts pages are not offered, so they are not found rather than served unstyled.
    re_path(r"^accounts/(?:password/|email/$|reauthenticate/$|3rdparty/$|social/connections/$)", views.not_offered),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("governance.urls")),
    path("", include("functions.urls")),
    path("", include("engagement.urls")),
    path("", include("notifications.urls")),
    path("", include("reporting.urls")),
    path("", include("outcomes.urls")),
]

handler400 = "ics_portal.views.bad_request"
handler403 = "ics_portal.views.permission_denied"
handler404 = "ics_portal.views.page_not_found"
handler500 = "ics_portal.views.server_error"
