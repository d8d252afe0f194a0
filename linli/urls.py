from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from linli.accounts.permissions import public
from linli.api import api
from linli.portal import views as portal_views

admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_header = "邻里 Linli"

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("workbench/", portal_views.workbench, name="workbench"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("accounts/", include("linli.accounts.urls")),
    # The audit log (and the bench page) keep the `common:` names they were given first.
    path("", include(("linli.portal.urls", "common"))),
    path("", include("linli.notifications.urls")),
    path("", include("linli.volunteers.urls")),
    path("", include("linli.registry.urls")),
    path("", include("linli.points.urls")),
    path("", include("linli.store.urls")),
    path("", include("linli.ledger.urls")),
    path("", include("linli.orders.urls")),
    path("", include("linli.activities.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "linli.common.views.error_403"
handler404 = "linli.common.views.error_404"
handler500 = "linli.common.views.error_500"
