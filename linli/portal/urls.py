from django.conf import settings
from django.urls import path

from linli.common import views

app_name = "common"

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]

if settings.LINLI_BENCH:
    # bench/pages.py measures every page against this empty one (never served otherwise).
    urlpatterns.append(path("bench/empty/", views.bench_empty, name="bench_empty"))
