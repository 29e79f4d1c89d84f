"""
Django admin for partner apps and intents.

Secrets are never listed or editable: creating an app or rotating its secret
shows the new secret once, in the message after the action; lists, forms and
logs only ever hold the encrypted column, which admin does not display.
"""
from django import forms
from django.contrib import admin, messages

from core.partner_auth import credentials_cache
from procurement import services
from procurement.models import Intent, PartnerApp, parse_ip_whitelist


class PartnerAppForm(forms.ModelForm):
    class Meta:
        model = PartnerApp
        fields = ["app_id", "name", "ip_whitelist", "qps_limit", "is_active"]

    def clean_ip_whitelist(self):
        try:
            return "\n".join(parse_ip_whitelist(self.cleaned_data["ip_whitelist"]))
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages)


@admin.register(PartnerApp)
class PartnerAppAdmin(admin.ModelAdmin):
    form = PartnerAppForm
    list_display = ["app_id", "name", "is_active", "qps_limit", "whitelist_size", "previous_secret_expires_at",
                    "created_at"]
    list_filter = ["is_active"]
    search_fields = ["app_id", "name"]
    readonly_fields = ["previous_secret_expires_at", "created_at", "updated_at"]
    actions = ["rotate_secret", "revoke_previous_secret"]

    @admin.display(description="whitelist entries")
    def whitelist_size(self, obj):
        return len(obj.ip_whitelist_entries) or "any"

    def get_readonly_fields(self, request, obj=None):
        # The app id is what partners sign with: fixed once the app exists.
        return [*self.readonly_fields, "app_id"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            credentials_cache.clear()  # this process at once; others within PARTNER_CREDENTIALS_CACHE_SECONDS
            return
        app, secret = services.partner_app_create(
            name=obj.name, app_id=obj.app_id, ip_whitelist=obj.ip_whitelist, qps_limit=obj.qps_limit,
            is_active=obj.is_active,
        )
        obj.pk = app.pk
        obj.secret_encrypted = app.secret_encrypted
        messages.warning(request, f"App {app.app_id} created. Its secret, shown only this once: {secret}")

    @admin.action(description="Rotate secret (the old one verifies for the grace period) and show the new one once")
    def rotate_secret(self, request, queryset):
        for app in queryset:
            secret = services.partner_app_rotate_secret(app=app)
            messages.warning(request, f"New secret of {app.app_id}, shown only this once: {secret}")

    @admin.action(description="Revoke the previous (rotated-out) secret now")
    def revoke_previous_secret(self, request, queryset):
        for app in queryset:
            services.partner_app_revoke_previous_secret(app=app)
        messages.success(request, f"Previous secrets revoked for {queryset.count()} app(s).")


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["id", "app", "user_id", "platform", "status", "price", "quantity", "created_at"]
    list_filter = ["status", "platform", "app", "created_at"]
    search_fields = ["=id", "user_id", "title", "product_url"]
    list_select_related = ["app"]
    readonly_fields = ["id", "app", "product_url_digest", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
