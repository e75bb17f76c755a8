from django.contrib import admin

from fitnesscrm.core.admin import ModelAdmin, TabularInline
from fitnesscrm.trainers.models import Certification, Specialization, Trainer


class CertificationInline(TabularInline):
    model = Certification
    extra = 0


@admin.register(Trainer)
class TrainerAdmin(ModelAdmin):
    list_display = ["__str__", "hourly_rate_minor", "currency", "is_active"]
    list_filter = ["is_active", "specializations"]
    search_fields = ["search_text"]
    readonly_fields = ["search_text"]
    inlines = [CertificationInline]


@admin.register(Specialization)
class SpecializationAdmin(ModelAdmin):
    search_fields = ["name"]
