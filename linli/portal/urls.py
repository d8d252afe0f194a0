from django.conf import settings
from django.urls import path

from linli.portal import views

# No app_name here: linli/urls.py includes these under the `common:` namespace they had
# before the portal app existed ("common:audit" in the navigation and the access rules).
urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]

if settings.LINLI_BENCH:
    # bench/pages.py measures every page against this empty one (never served otherwise).
    urlpatterns.append(path("bench/empty/", views.bench_empty, name="bench_empty"))
