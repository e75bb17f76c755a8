from django.contrib import admin

from fitnesscrm.trainers.models import Certification, Specialization, Trainer


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


@admin.register(Trainer)
class TrainerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "hourly_rate_minor", "currency", "is_active"]
    list_filter = ["is_active", "specializations"]
    search_fields = ["search_text"]
    readonly_fields = ["search_text"]
    inlines = [CertificationInline]


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    search_fields = ["name"]
