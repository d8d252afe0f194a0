from django.urls import path

from linli.ledger import views

app_name = "ledger"

urlpatterns = [
    path("timebank/", views.timebank, name="timebank"),
    path("timebank/statement/", views.statement, name="statement"),
    path("timebank/statement.xlsx", views.statement_export, name="statement_export"),
    path("timebank/gift/", views.gift, name="gift"),
    path("timebank/gift/confirm/", views.gift_confirm, name="gift_confirm"),
    path("timebank/donate/", views.donate, name="donate"),
    path("timebank/donate/confirm/", views.donate_confirm, name="donate_confirm"),
    path("workbench/ledger/", views.accounts, name="accounts"),
    path("workbench/ledger/<uuid:uuid>/", views.account, name="account"),
    path("workbench/ledger/<uuid:uuid>/statement.xlsx", views.account_export,
         name="account_export"),
    path("workbench/ledger/<uuid:uuid>/adjust/", views.adjust, name="adjust"),
    path("workbench/ledger/<uuid:uuid>/adjust/confirm/", views.adjust_confirm,
         name="adjust_confirm"),
    path("workbench/ledger/transfers/<uuid:uuid>/reverse/", views.reverse, name="reverse"),
    path("workbench/timebank/funds/", views.funds, name="funds"),
    path("workbench/timebank/funds/<uuid:community_uuid>/", views.allocate, name="allocate"),
    path("workbench/timebank/funds/<uuid:community_uuid>/confirm/", views.allocate_confirm,
         name="allocate_confirm"),
]
