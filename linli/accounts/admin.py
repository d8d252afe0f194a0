from django.contrib import admin

from linli.accounts.models import ApiToken, RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ("street", "community", "grid", "granted_by")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("mobile", "name", "is_active", "is_superuser", "date_joined")
    search_fields = ("mobile", "name")
    exclude = ("password", "groups", "user_permissions", "last_login")
    readonly_fields = ("date_joined",)
    inlines = [RoleAssignmentInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "name", "created_at", "expires_at", "revoked_at")
    exclude = ("key_hash",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
