"""
Django admin for partner apps and intents.

Secrets are never listed or editable. Creating an app or rotating its secret
shows the new secret once, on a page of its own (`secret_reveal_view`): never in
a Django message, whose default storage is a cookie the browser keeps and sends
back in clear. Between the POST and that page the secret waits in the server-side
session, encrypted like the app's own column, and the page takes it out when it
renders, so a reload or a second visit shows nothing. Lists, forms and logs only
ever hold the encrypted column, which admin does not display.

Who created, rotated or revoked a secret is in the app's admin history (LogEntry)
and in the structured log (`partner_app.*` events with `actor` and `app_id`).
"""
import secrets as random_secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers

from core import secretbox
from core.partner_auth import credentials_cache
from procurement import services
from procurement.models import Intent, PartnerApp, parse_ip_whitelist

# Session key of the secrets waiting to be shown: {reveal id: [entry, ...]}.
SECRET_REVEALS_SESSION_KEY = "procurement.partner_secret_reveals"
# Reveals never opened (a closed tab) are dropped beyond this many, oldest first.
MAX_PENDING_REVEALS = 5


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

    def get_urls(self):
        # Before the default patterns: "<path:object_id>/" would otherwise swallow it.
        reveal = path("secret/<str:reveal_id>/", self.admin_site.admin_view(self.secret_reveal_view),
                      name="procurement_partnerapp_secret")
        return [reveal, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            credentials_cache.clear()  # this process at once; others within PARTNER_CREDENTIALS_CACHE_SECONDS
            return
        app, secret = services.partner_app_create(
            name=obj.name, app_id=obj.app_id, ip_whitelist=obj.ip_whitelist, qps_limit=obj.qps_limit,
            is_active=obj.is_active, actor=_actor(request),
        )
        obj.pk = app.pk
        obj.secret_encrypted = app.secret_encrypted
        obj.created_at, obj.updated_at = app.created_at, app.updated_at
        request._partner_secret_reveal = _stash_secrets(request, [(app, secret, "created")])

    def construct_change_message(self, request, form, formsets, add=False):
        # The addition entry Django writes after save_model is the app's record of who created its secret.
        if add:
            return "Created, with a new secret (shown once to this user)."
        return super().construct_change_message(request, form, formsets, add)

    def response_add(self, request, obj, post_url_continue=None):
        reveal_id = getattr(request, "_partner_secret_reveal", None)
        if reveal_id is None:
            return super().response_add(request, obj, post_url_continue)
        return HttpResponseRedirect(_reveal_url(self, reveal_id))

    @admin.action(description="Rotate secret (the old one verifies for the grace period) and show the new one once",
                  permissions=["change"])
    def rotate_secret(self, request, queryset):
        rotated = []
        for app in queryset.order_by("app_id"):
            secret = services.partner_app_rotate_secret(app=app, actor=_actor(request))
            app.refresh_from_db(fields=["previous_secret_expires_at"])
            until = app.previous_secret_expires_at
            self.log_change(request, app, "Rotated the secret; the previous one verifies until "
                            f"{until.isoformat() if until else 'now (revoked)'}.")
            rotated.append((app, secret, "rotated"))
        return HttpResponseRedirect(_reveal_url(self, _stash_secrets(request, rotated)))

    @admin.action(description="Revoke the previous (rotated-out) secret now", permissions=["change"])
    def revoke_previous_secret(self, request, queryset):
        apps = list(queryset)
        for app in apps:
            services.partner_app_revoke_previous_secret(app=app, actor=_actor(request))
            self.log_change(request, app, "Revoked the previous secret.")
        messages.success(request, f"Previous secrets revoked for {len(apps)} app(s).")

    def secret_reveal_view(self, request, reveal_id):
        """
        The one page that shows new secrets: it takes them out of the session as it
        renders, so they cannot be shown twice; never cached (no-store).
        """
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        pending = request.session.get(SECRET_REVEALS_SESSION_KEY, {})
        entries = pending.pop(reveal_id, None)
        if entries is not None:
            request.session[SECRET_REVEALS_SESSION_KEY] = pending
        reveals = [
            {**entry, "secret": secretbox.decrypt(entry["secret_encrypted"])} for entry in entries or []
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "New partner app secret" if len(reveals) <= 1 else "New partner app secrets",
            "reveals": reveals,
        }
        response = TemplateResponse(request, "admin/procurement/partnerapp/secret_reveal.html", context,
                                    status=200 if reveals else 410)
        # admin_view already adds these; the page must never be cached, whatever wraps it.
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        return response


def _actor(request) -> str:
    return f"admin:{request.user.get_username()}"


def _stash_secrets(request, issued) -> str:
    """Keep (app, secret, event) triples for the reveal page, encrypted, in the server-side session."""
    reveal_id = random_secrets.token_urlsafe(16)
    pending = request.session.get(SECRET_REVEALS_SESSION_KEY, {})
    pending[reveal_id] = [
        {"pk": app.pk, "app_id": app.app_id, "name": app.name, "event": event,
         "secret_encrypted": secretbox.encrypt(secret),
         "previous_until": app.previous_secret_expires_at.isoformat() if app.previous_secret_expires_at else None}
        for app, secret, event in issued
    ]
    while len(pending) > MAX_PENDING_REVEALS:
        pending.pop(next(iter(pending)))
    request.session[SECRET_REVEALS_SESSION_KEY] = pending
    return reveal_id


def _reveal_url(model_admin, reveal_id: str) -> str:
    return reverse("admin:procurement_partnerapp_secret", args=[reveal_id], current_app=model_admin.admin_site.name)


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["id", "app", "user_id", "platform", "status", "price", "quantity", "created_at"]
    list_filter = ["status", "platform", "app", "created_at"]
    search_fields = ["=id", "user_id", "title", "product_url"]
    list_select_related = ["app"]
    readonly_fields = ["id", "app", "product_url_digest", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
