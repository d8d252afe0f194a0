from django.urls import path

from linli.points import views

app_name = "points"

urlpatterns = [
    path("points/", views.household, name="household"),
    path("points/statement/", views.statement, name="statement"),
    path("points/claims/new/", views.claim_new, name="claim_new"),
    path("points/claims/<uuid:uuid>/", views.claim_detail, name="claim_detail"),
    path("points/claims/<uuid:uuid>/photo/", views.claim_photo, name="claim_photo"),
    path("points/ranking/", views.rankings, name="rankings"),
    path("workbench/points/queue/", views.queue, name="queue"),
    path("workbench/points/queue/approve/", views.queue_bulk, name="queue_bulk"),
    path("workbench/points/claims/<uuid:uuid>/decide/", views.claim_decide, name="claim_decide"),
    path("workbench/points/inspection/", views.inspection_new, name="inspection_new"),
    path("workbench/points/conventions/", views.conventions, name="conventions"),
    path("workbench/points/conventions/<uuid:uuid>/", views.convention_detail,
         name="convention_detail"),
    path("workbench/points/conventions/<uuid:uuid>/items/", views.convention_item_add,
         name="convention_item_add"),
    path("workbench/points/conventions/<uuid:uuid>/adopt/", views.convention_adopt,
         name="convention_adopt"),
    path("workbench/points/rules/", views.rule_set, name="rule_set"),
]
