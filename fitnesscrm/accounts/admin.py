from django.contrib import admin

from fitnesscrm.accounts.models import ApiKey, User
from fitnesscrm.core.admin import ModelAdmin


@admin.register(User)
class UserAdmin(ModelAdmin):
    list_display = ["email", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    exclude = ["password", "groups", "user_permissions"]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(ApiKey)
class ApiKeyAdmin(ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__email", "prefix"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
