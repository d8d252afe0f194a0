from django.urls import path

from linli.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("me/", views.me, name="me"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("people/", views.people, name="people"),
    path("people/<uuid:uuid>/", views.person, name="person"),
]
