"""Read-only admin: every write to the ledger goes through its services."""

from django.contrib import admin

from linli.ledger.models import Account, Reservation, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "unit", "street", "community", "balance", "reserved")
    list_filter = ("unit", "kind")
    list_select_related = ("street", "community")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "unit", "debit", "credit", "amount", "reference")
    list_filter = ("unit", "kind")
    search_fields = ("reference", "idempotency_key")
    list_select_related = ("debit__street", "credit__street", "debit__community",
                           "credit__community", "debit__resident", "credit__resident",
                           "debit__household", "credit__household")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "account", "amount", "reference", "status")
    list_filter = ("status",)
