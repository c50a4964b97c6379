from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.admin_site import StaffAdminSite
from config.health import health
from config.metrics import metrics

# Staff sign in with a password and a TOTP code: the admin site refuses a session whose second factor is not
# verified (django-otp's documented way of protecting the default site), and opens on the work dashboard.
admin.site.__class__ = StaffAdminSite
admin.site.site_header = _("Enforcement Registry")
admin.site.site_title = _("Enforcement Registry")
admin.site.index_title = _("Court administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("api/", include("config.api")),
    path("", include("appeals.urls")),
    path("", include("listings.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
