from django.urls import path

from linli.common import views

app_name = "common"

urlpatterns = [
    path("audit/", views.audit_log, name="audit"),
]
