from django.contrib import admin
from django.urls import path

admin.site.site_header = "Enforcement Registry"
admin.site.site_title = "Enforcement Registry"
admin.site.index_title = "Court administration"

urlpatterns = [
    path("admin/", admin.site.urls),
]
