from django.urls import path

from linli.orders import views

app_name = "orders"

urlpatterns = [
    path("orders/new/", views.new, name="new"),
    path("orders/", views.mine, name="mine"),
    path("orders/meals/", views.meals, name="meals"),
    path("orders/volunteer/", views.volunteer, name="volunteer"),
    path("orders/<uuid:uuid>/", views.detail, name="detail"),
    path("orders/<uuid:uuid>/<slug:action>/", views.transition, name="transition"),
    path("workbench/orders/", views.board, name="board"),
    path("workbench/orders/phone/", views.phone, name="phone"),
    path("workbench/orders/projects/", views.projects, name="projects"),
    path("workbench/orders/meals/", views.meal_prep, name="meal_prep"),
    path("workbench/orders/meals/<uuid:uuid>/outcome/", views.meal_outcome,
         name="meal_outcome"),
    path("workbench/orders/<uuid:uuid>/dispatch/", views.dispatch, name="dispatch"),
]
