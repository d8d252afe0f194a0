from django.urls import path

from linli.notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:uuid>/read/", views.read, name="read"),
    path("inbox/read-all/", views.read_all, name="read_all"),
]
