from django.urls import path

from linli.activities import views

app_name = "activities"

urlpatterns = [
    # residents
    path("activities/", views.activity_list, name="list"),
    path("activities/mine/", views.mine, name="mine"),
    path("activities/calendar/", views.calendar, name="calendar"),
    path("activities/calendar/<str:day>/", views.calendar_day, name="calendar_day"),
    path("activities/feed/<uuid:community_uuid>.ics", views.calendar_ics, name="ics"),
    path("activities/classes/", views.class_list, name="classes"),
    path("activities/classes/<uuid:uuid>/", views.class_detail, name="class_detail"),
    path("activities/classes/<uuid:uuid>/enrol/", views.class_enrol, name="class_enrol"),
    path("activities/classes/<uuid:uuid>/withdraw/", views.class_withdraw,
         name="class_withdraw"),
    path("activities/classes/<uuid:uuid>/follow/", views.class_follow, name="class_follow"),
    path("activities/door/<str:token>/<uuid:uuid>/", views.door_signup, name="door_signup"),
    path("activities/<uuid:uuid>/", views.activity_detail, name="detail"),
    path("activities/<uuid:uuid>/signup/", views.signup, name="signup"),
    path("activities/<uuid:uuid>/signup/cancel/", views.signup_cancel, name="signup_cancel"),
    path("activities/<uuid:uuid>/ticket/", views.ticket, name="ticket"),
    path("activities/<uuid:uuid>/checkin/", views.checkin, name="checkin"),
    # staff
    path("workbench/activities/", views.manage, name="manage"),
    path("workbench/activities/new/", views.create, name="create"),
    path("workbench/activities/scan/", views.scan, name="scan"),
    path("workbench/activities/<uuid:uuid>/", views.manage_detail, name="manage_detail"),
    path("workbench/activities/<uuid:uuid>/edit/", views.edit, name="edit"),
    path("workbench/activities/<uuid:uuid>/transition/", views.transition, name="transition"),
    path("workbench/activities/<uuid:uuid>/cancel/", views.cancel, name="cancel"),
    path("workbench/activities/<uuid:uuid>/summary/", views.summary, name="summary"),
    path("workbench/activities/<uuid:uuid>/served/", views.beneficiaries, name="beneficiaries"),
    path("workbench/activities/<uuid:uuid>/qr/", views.qr, name="qr"),
    path("workbench/activities/<uuid:uuid>/qr/code/", views.qr_fragment, name="qr_fragment"),
    path("workbench/activities/<uuid:uuid>/walk-in/", views.walkin, name="walkin"),
    path("workbench/activities/signups/<uuid:uuid>/checkin/", views.staff_checkin,
         name="staff_checkin"),
    path("workbench/activities/attendances/<uuid:uuid>/checkout/", views.checkout,
         name="checkout"),
    path("workbench/classes/", views.class_manage, name="class_manage"),
    path("workbench/classes/new/", views.class_create, name="class_create"),
    path("workbench/classes/<uuid:uuid>/", views.class_admin, name="class_admin"),
    path("workbench/classes/<uuid:uuid>/sessions/", views.class_generate, name="class_generate"),
    path("workbench/classes/sessions/<uuid:uuid>/", views.session, name="session"),
    path("workbench/classes/sessions/<uuid:uuid>/cancel/", views.session_cancel,
         name="session_cancel"),
]
