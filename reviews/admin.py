from django.contrib import admin

from .models import (
    AuditLog,
    Buyer,
    ClassifierModel,
    Correction,
    ImportBatch,
    ImportRowError,
    Membership,
    Review,
    Shop,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "platform", "timezone", "high_value_threshold"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "shop", "role", "on_duty", "capacity"]
    list_filter = ["shop", "role", "on_duty"]


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin):
    list_display = ["nick", "shop", "masked_phone", "do_not_contact_at"]
    list_filter = ["shop"]
    search_fields = ["nick"]
    exclude = ["phone"]  # personal data: revealed on the review page, where the reveal is logged


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["external_key", "shop", "rating", "status", "cause", "severity", "reviewed_at"]
    list_filter = ["shop", "status", "rating", "cause", "severity"]
    search_fields = ["order_id", "external_key", "buyer__nick"]
    raw_id_fields = ["buyer", "assigned_to"]
    list_select_related = ["shop"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["review", "user", "cause", "subcause", "severity", "created_at"]
    raw_id_fields = ["review"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ["version", "shop", "n_examples", "n_corrections", "is_active", "created_at"]
    exclude = ["artifact"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "shop", "action", "target", "ip"]
    list_filter = ["action", "shop"]

    # Append-only: nobody edits or deletes the audit trail, not even in the admin.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    max_num = 0  # read-only: the error report of what was imported
    fields = ["row", "column", "reason", "raw"]
    readonly_fields = fields
    can_delete = False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "shop",
        "source",
        "filename",
        "status",
        "created",
        "updated",
        "rejected",
        "created_at",
    ]
    list_filter = ["shop", "source", "status"]
    list_select_related = ["shop"]
    inlines = [ImportRowErrorInline]

    # Batches are written by imports only.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
