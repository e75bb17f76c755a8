from django.contrib import admin

from fitnesscrm.core.admin import ModelAdmin
from fitnesscrm.privacy.models import DataExport, DataSubjectRequest, ErasureRecord


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ModelAdmin):
    list_display = ["__str__", "client", "status", "received_at", "due_at", "closed_at"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["client__search_text"]
    raw_id_fields = ["client"]
    readonly_fields = ["due_at", "created_by", "handled_by", "closed_at"]


@admin.register(DataExport)
class DataExportAdmin(ModelAdmin):
    """Read-only: an export is downloaded through the permission-checked pages, not here."""

    list_display = ["__str__", "status", "created_at", "expires_at", "downloaded_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in DataExport._meta.fields if f.name != "file"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ModelAdmin):
    list_display = ["pseudonym", "client_id", "reason", "erased_by", "erased_at"]
    list_filter = ["reason"]
    readonly_fields = ["client_id", "pseudonym", "erased_by", "reason", "counts", "erased_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
