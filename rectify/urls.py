"""Top-level URLs: each app brings its own."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("督察整改台账 · 管理后台")
admin.site.site_title = _("督察整改台账")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("inspections.api.urls")),
    path("", include("inspections.urls")),
]
