from django.contrib import admin

from linli.registry.models import (
    Building,
    Community,
    District,
    Estate,
    Grid,
    Household,
    ImportJob,
    Resident,
    Street,
    Tag,
)

admin.site.register(District)
admin.site.register(Street)
admin.site.register(Community)
admin.site.register(Grid)
admin.site.register(Estate)
admin.site.register(Building)
admin.site.register(Tag)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("number", "address", "community", "grid")
    list_filter = ("community",)
    search_fields = ("number", "address")
    raw_id_fields = ("head", "building", "unit")


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    """Read-only in the admin: changes go through the registry pages (validation, history)."""

    list_display = ("name", "id_number_masked", "mobile_masked", "household")
    search_fields = ("name", "name_initials")
    exclude = ("mobile", "id_number_encrypted", "id_number_hash", "health_note")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("file_name", "community", "status", "total_rows", "error_count",
                    "created_at")
