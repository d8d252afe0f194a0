from django.urls import path

from linli.store import views

app_name = "store"

urlpatterns = [
    path("store/", views.index, name="index"),
    path("store/goods/<uuid:uuid>/", views.goods_detail, name="goods_detail"),
    path("store/goods/<uuid:uuid>/photo/", views.goods_photo, name="goods_photo"),
    path("store/goods/<uuid:uuid>/redeem/", views.redeem, name="redeem"),
    path("store/mine/", views.mine, name="mine"),
    path("store/redemptions/<uuid:uuid>/", views.redemption_detail, name="redemption_detail"),
    path("store/redemptions/<uuid:uuid>/cancel/", views.redemption_cancel,
         name="redemption_cancel"),
    path("workbench/store/counter/", views.counter, name="counter"),
    path("workbench/store/redemptions/<uuid:uuid>/hand-over/", views.hand_over,
         name="hand_over"),
    path("workbench/store/goods/", views.manage, name="manage"),
    path("workbench/store/goods/new/", views.goods_new, name="goods_new"),
    path("workbench/store/goods/<uuid:uuid>/", views.goods_edit, name="goods_edit"),
    path("workbench/store/goods/<uuid:uuid>/restock/", views.restock, name="restock"),
]
