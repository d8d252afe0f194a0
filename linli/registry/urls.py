from django.urls import path

from linli.registry import views, views_import

app_name = "registry"

urlpatterns = [
    path("registry/", views.index, name="index"),
    path("registry/collect/", views.collect, name="collect"),
    path("registry/places/", views.places, name="places"),
    path("registry/buildings/<uuid:uuid>/plates.pdf", views.building_plates,
         name="building_plates"),
    path("registry/households/new/", views.household_new, name="household_new"),
    path("registry/households/<uuid:uuid>/", views.household_detail, name="household_detail"),
    path("registry/households/<uuid:uuid>/edit/", views.household_edit, name="household_edit"),
    path("registry/households/<uuid:uuid>/plate.pdf", views.household_plate,
         name="household_plate"),
    path("registry/households/<uuid:uuid>/door-plate/replace/", views.door_rotate,
         name="door_rotate"),
    path("registry/households/<uuid:uuid>/residents/new/", views.resident_new,
         name="resident_new"),
    path("registry/residents/check/", views.resident_check, name="resident_check"),
    path("registry/residents/<uuid:uuid>/", views.resident_detail, name="resident_detail"),
    path("registry/residents/<uuid:uuid>/edit/", views.resident_edit, name="resident_edit"),
    path("registry/residents/<uuid:uuid>/anonymise/", views.resident_anonymise,
         name="resident_anonymise"),
    path("registry/export.xlsx", views.export, name="export"),
    path("registry/import/", views_import.import_start, name="import_start"),
    path("registry/import/template.xlsx", views_import.import_template, name="import_template"),
    path("registry/import/<uuid:uuid>/", views_import.import_detail, name="import_detail"),
    path("registry/import/<uuid:uuid>/progress/", views_import.import_progress,
         name="import_progress"),
    path("registry/import/<uuid:uuid>/commit/", views_import.import_commit, name="import_commit"),
    path("registry/bindings/", views.bindings, name="bindings"),
    path("registry/bindings/<uuid:uuid>/decide/", views.binding_decide, name="binding_decide"),
    path("registry/me/", views.my_data, name="my_data"),
    path("registry/me/plate/", views.my_plate, name="my_plate"),
    path("registry/me/download.json", views.my_data_download, name="my_data_download"),
    path("registry/me/delete/", views.deletion_request, name="deletion_request"),
    # Door plates: short, because they are printed as QR codes.
    path("d/<str:token>/", views.door, name="door"),
    path("d/<str:token>/verify/", views.door_verify, name="door_verify"),
    path("d/<str:token>/register/", views.door_register, name="door_register"),
]
