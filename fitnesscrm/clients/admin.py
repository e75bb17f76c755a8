from django.contrib import admin

from fitnesscrm.clients.models import Assignment, Client, ClientImport, FollowUpTask, Tag
from fitnesscrm.core.admin import ModelAdmin


@admin.register(Client)
class ClientAdmin(ModelAdmin):
    list_display = ["__str__", "email", "phone", "status", "lead_stage", "archived_at"]
    list_filter = ["status", "lead_stage", "source"]
    search_fields = ["search_text"]
    readonly_fields = ["search_text", "created_at", "updated_at", "merged_into", "created_by"]
    raw_id_fields = ["user"]


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ["name", "colour"]
    search_fields = ["name"]


@admin.register(Assignment)
class AssignmentAdmin(ModelAdmin):
    list_display = ["client", "trainer", "is_primary", "start_date", "end_date"]
    list_filter = ["is_primary"]
    raw_id_fields = ["client"]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ModelAdmin):
    list_display = ["title", "client", "assigned_to", "due_date", "done_at"]
    raw_id_fields = ["client"]


@admin.register(ClientImport)
class ClientImportAdmin(ModelAdmin):
    list_display = ["pk", "created_by", "status", "created_at"]
    list_filter = ["status"]
