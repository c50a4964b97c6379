from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.health import health

admin.site.site_header = _("Enforcement Registry")
admin.site.site_title = _("Enforcement Registry")
admin.site.index_title = _("Court administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", health, name="health"),
    path("", include("listings.urls")),
]
