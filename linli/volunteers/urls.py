from django.urls import path

from linli.volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("volunteer/", views.me, name="me"),
    path("volunteer/register/", views.register, name="register"),
    path("volunteer/profile/", views.profile, name="profile"),
    path("volunteer/withdraw/", views.withdraw, name="withdraw"),
    path("volunteer/teams/", views.my_teams, name="my_teams"),
    path("volunteer/teams/<uuid:uuid>/leave/", views.team_leave, name="team_leave"),
    path("volunteer/certificates/", views.certificate_request, name="certificate_request"),
    path("volunteer/certificate.pdf", views.my_certificate, name="my_certificate"),
    path("verify/volunteer/<str:token>/", views.verify, name="verify"),
    path("party/", views.party, name="party"),
    path("party/projects/<uuid:uuid>/claim/", views.party_claim, name="party_claim"),
    path("workbench/volunteers/", views.staff_list, name="staff_list"),
    path("workbench/volunteers/<uuid:uuid>/", views.staff_detail, name="staff_detail"),
    path("workbench/volunteers/<uuid:uuid>/decide/", views.staff_decide, name="staff_decide"),
    path("workbench/volunteers/<uuid:uuid>/commend/", views.commend, name="commend"),
    path("workbench/volunteers/<uuid:uuid>/certificate/", views.staff_certificate,
         name="staff_certificate"),
    path("workbench/certificates/<str:token>.pdf", views.staff_certificate_pdf,
         name="staff_certificate_pdf"),
    path("workbench/certificates/<str:token>/revoke/", views.certificate_revoke,
         name="certificate_revoke"),
    path("workbench/teams/", views.teams, name="teams"),
    path("workbench/teams/<uuid:uuid>/", views.team, name="team"),
    path("workbench/party/", views.party_staff, name="party_staff"),
    path("workbench/party/reports/<uuid:uuid>/", views.report_decide, name="report_decide"),
    path("workbench/party/projects/<uuid:uuid>/", views.project, name="project"),
    path("workbench/party/deeds/", views.deeds, name="deeds"),
]
