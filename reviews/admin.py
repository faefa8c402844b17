from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .audit import client_ip
from .models import (
    AuditLog,
    Buyer,
    ClassifierModel,
    Correction,
    ImportBatch,
    ImportRowError,
    Membership,
    Order,
    Review,
    Shop,
)
from .privacy import mask_phones


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows to look at, not to edit: reviews, buyers, corrections and outreach's rows change
    through the services, which write the review's timeline, cancel what must be cancelled,
    claim rows with conditional updates and keep the audit log — an edit here would bypass
    all of it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def masked(field: str, description):
    """A read-only admin column or field showing `field` with its phone numbers masked: the
    full number is shown only by the logged reveal on the review page."""

    @admin.display(description=description)
    def show(self, obj) -> str:
        return mask_phones(str(getattr(obj, field) or ""))

    return show


class AuditedAdmin(admin.ModelAdmin):
    """Shop settings edited here leave a line in that shop's audit log (the admin's own
    history is neither append-only nor visible to the shop's managers). `audit_shop` says
    which shop an object belongs to."""

    def audit_shop(self, obj) -> Shop | None:
        return obj.shop

    def _audit(self, request, obj, action: str, changes) -> None:
        services.audit_record(
            actor=request.user,
            action=action,
            shop=self.audit_shop(obj),
            target=f"{obj._meta.model_name}:{obj.pk}",
            ip=client_ip(request),
            object=str(obj),
            changes=changes,
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "settings_added", message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "settings_changed", message)
        return entry

    def log_deletions(self, request, queryset):
        # Called before the deletion, while the objects still name their shop.
        for obj in queryset:
            self._audit(request, obj, "settings_deleted", [])
        return super().log_deletions(request, queryset)


class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """People's accounts: creating one, changing it (staff or superuser rights, active, name,
    a password reset) or deleting it leaves a line in the audit log of every shop the person
    works in, so a shop's managers see who gave their agent admin rights or reset her
    password; an account in no shop gets one line without a shop (the admin's audit list).
    Never the password itself: the admin's message says only "Changed password"."""

    def _audit(self, request, obj, action: str, changes) -> None:
        shops = list(Shop.objects.filter(memberships__user=obj).distinct()) or [None]
        for shop in shops:
            services.audit_record(
                actor=request.user,
                action=action.replace("settings_", "user_"),
                shop=shop,
                target=f"user:{obj.pk}",
                ip=client_ip(request),
                object=obj.get_username(),
                changes=changes,
            )


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Shop)
class ShopAdmin(AuditedAdmin):
    list_display = ["name", "slug", "platform", "timezone", "high_value_threshold"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    # The secret changes only by the manager's audited rotation (shop_webhook_rotate).
    exclude = ["webhook_secret"]

    def audit_shop(self, obj) -> Shop | None:
        return obj


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "shop", "role", "on_duty", "capacity"]
    list_filter = ["shop", "role", "on_duty"]


@admin.register(Buyer)
class BuyerAdmin(ViewOnlyAdmin):
    """Buyers arrive with their reviews. Do-not-contact is set on the review page
    (outreach.services.buyer_set_do_not_contact), which also cancels what is planned; the
    nick is the key imports match and an erasure rewrites; the phone is personal data,
    revealed on the review page where the reveal is logged. Here all of it is shown only."""

    list_display = ["nick", "shop", "masked_phone", "do_not_contact_at"]
    list_filter = ["shop"]
    search_fields = ["nick"]
    exclude = ["phone"]


@admin.register(Order)
class OrderAdmin(ViewOnlyAdmin):
    """Orders change through their import (reviews.ingest.orders), never here."""

    list_display = ["order_id", "shop", "buyer", "amount", "status", "delivered_at"]
    list_filter = ["shop"]
    search_fields = ["order_id"]
    raw_id_fields = ["buyer"]
    date_hierarchy = "delivered_at"


@admin.register(Review)
class ReviewAdmin(ViewOnlyAdmin):
    """A review's status, assignee, classification and severity change through the desk's
    services; what the buyer wrote is shown with phone numbers masked."""

    list_display = ["external_key", "shop", "rating", "status", "cause", "severity", "reviewed_at"]
    list_filter = ["shop", "status", "rating", "cause", "severity"]
    search_fields = ["order_id", "external_key", "buyer__nick"]
    list_select_related = ["shop"]
    exclude = ["text", "followup_text", "evidence"]
    readonly_fields = ["masked_text", "masked_followup_text", "masked_evidence"]
    masked_text = masked("text", _("review text"))
    masked_followup_text = masked("followup_text", _("follow-up review (追评)"))
    masked_evidence = masked("evidence", _("evidence"))


@admin.register(Correction)
class CorrectionAdmin(ViewOnlyAdmin):
    """Written by the review page's correction (reviews.services.review_correct) and read by
    retraining: the review's words are kept with it, shown here masked."""

    list_display = ["review", "user", "cause", "subcause", "severity", "created_at"]
    raw_id_fields = ["review"]
    exclude = ["text"]
    readonly_fields = ["masked_text"]
    masked_text = masked("text", _("review text"))


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    """A retrained model that was worse on held-out data stays a candidate with the reason
    shown here; the lead can make it live anyway, or roll a shop back to an earlier model or
    to the base model (services.classifier_activate, audited)."""

    list_display = [
        "version",
        "shop",
        "n_examples",
        "n_corrections",
        "is_active",
        "status",
        "reason",
        "created_at",
    ]
    list_filter = ["is_active", "shop"]
    exclude = ["artifact"]
    readonly_fields = ["shop", "version", "n_examples", "n_corrections", "metrics", "is_active"]
    actions = ["make_live", "back_to_base_model"]

    @admin.display(description=_("status"))
    def status(self, obj) -> str:
        return obj.metrics.get("status", "live" if obj.is_active else "")

    @admin.display(description=_("why kept back"))
    def reason(self, obj) -> str:
        return obj.metrics.get("reason", "")

    @admin.action(description=_("Make the selected model live for its shop"))
    def make_live(self, request, queryset) -> None:
        from . import services

        for model in queryset.exclude(shop=None):
            services.classifier_activate(shop=model.shop, version=model.version, actor=request.user)

    @admin.action(description=_("Roll the selected models' shops back to the base model"))
    def back_to_base_model(self, request, queryset) -> None:
        from . import services

        for shop_id in set(queryset.exclude(shop=None).values_list("shop_id", flat=True)):
            services.classifier_activate(
                shop=Shop.objects.get(pk=shop_id), version=None, actor=request.user
            )


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
    fields = ["row", "column", "reason", "masked_raw"]
    readonly_fields = fields
    can_delete = False
    masked_raw = masked("raw", _("raw data"))


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
