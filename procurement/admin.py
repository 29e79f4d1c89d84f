"""
Django admin for partner apps and intents.

Every write is a service call (procurement.services, through the forms of
procurement.forms): the admin meets the API's rules and shows a refusal as a form
error. docs/operations.md, "Partner apps and intents", lists what calls what.

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

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.text import Truncator

from core import secretbox
from core.admin import LargeTableAdminMixin, PlainActionCheckboxMixin, ServiceModelAdminMixin
from core.exceptions import ServiceError
from core.timeutil import local_display
from procurement import services
from procurement.forms import IntentAdminForm, PartnerAppForm, actor_of
from procurement.models import Intent, PartnerApp, url_digest

# Session key of the secrets waiting to be shown: {reveal id: [entry, ...]}.
SECRET_REVEALS_SESSION_KEY = "procurement.partner_secret_reveals"
# Reveals never opened (a closed tab) are dropped beyond this many, oldest first.
MAX_PENDING_REVEALS = 5
# The events a reveal page names, in the operator's words.
REVEAL_EVENTS = {"created": "新建应用", "rotated": "轮换密钥"}

@admin.register(PartnerApp)
class PartnerAppAdmin(ServiceModelAdminMixin, admin.ModelAdmin):
    form = PartnerAppForm
    list_display = ["app_id", "name", "is_active", "qps_limit", "whitelist_size", "previous_secret_expires_at",
                    "created_at"]
    list_filter = ["is_active"]
    search_fields = ["app_id", "name"]
    readonly_fields = ["previous_secret_expires_at", "created_at", "updated_at"]
    actions = ["rotate_secret", "revoke_previous_secret"]

    @admin.display(description="白名单条目")
    def whitelist_size(self, obj):
        return len(obj.ip_whitelist_entries) or "不限"

    def get_readonly_fields(self, request, obj=None):
        # The app id is what partners sign with: fixed once the app exists.
        return [*self.readonly_fields, "app_id"] if obj else self.readonly_fields

    def get_urls(self):
        # Before the default patterns: "<path:object_id>/" would otherwise swallow it.
        reveal = path("secret/<str:reveal_id>/", self.admin_site.admin_view(self.secret_reveal_view),
                      name="procurement_partnerapp_secret")
        return [reveal, *super().get_urls()]

    def save_model(self, request, obj, form, change):
        # The form's service call wrote the app (partner_app_create / partner_app_update).
        if not change:
            request._partner_secret_reveal = _stash_secrets(request, [(obj, form.issued_secret, "created")])

    def get_deleted_objects(self, objs, request):
        # Django's confirmation page would list every intent that protects the app (100,000 of them
        # took 79 s): one EXISTS per app names the apps that cannot go.
        protecting = [app for app in objs if Intent.objects.filter(app=app).exists()]
        if protecting:
            return [], {}, set(), [f"{app}:该应用还有采购意向,不能删除。" for app in protecting]
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        services.partner_app_delete(app=obj, actor=actor_of(request))

    def delete_queryset(self, request, queryset):
        for app in queryset:
            services.partner_app_delete(app=app, actor=actor_of(request))

    def construct_change_message(self, request, form, formsets, add=False):
        # The addition entry Django writes after save_model is the app's record of who created its secret.
        if add:
            return "已创建,并生成新密钥(仅向本用户显示一次)。"
        return super().construct_change_message(request, form, formsets, add)

    def response_add(self, request, obj, post_url_continue=None):
        reveal_id = getattr(request, "_partner_secret_reveal", None)
        if reveal_id is None:
            return super().response_add(request, obj, post_url_continue)
        return HttpResponseRedirect(_reveal_url(self, reveal_id))

    @admin.action(description="轮换密钥(旧密钥在宽限期内仍可验签),并显示一次新密钥", permissions=["change"])
    def rotate_secret(self, request, queryset):
        rotated = []
        for app in queryset.order_by("app_id"):
            secret = services.partner_app_rotate_secret(app=app, actor=actor_of(request))
            app.refresh_from_db(fields=["previous_secret_expires_at"])
            until = app.previous_secret_expires_at
            self.log_change(request, app, "已轮换密钥;上一个密钥"
                            f"{f'在 {local_display(until)} 之前仍可验签' if until else '已立即作废'}。")
            rotated.append((app, secret, "rotated"))
        return HttpResponseRedirect(_reveal_url(self, _stash_secrets(request, rotated)))

    @admin.action(description="立即作废上一个(已轮换掉的)密钥", permissions=["change"])
    def revoke_previous_secret(self, request, queryset):
        apps = list(queryset)
        for app in apps:
            services.partner_app_revoke_previous_secret(app=app, actor=actor_of(request))
            self.log_change(request, app, "已作废上一个密钥。")
        messages.success(request, f"已作废 {len(apps)} 个应用的上一个密钥。")

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
            {**entry, "secret": secretbox.decrypt(entry["secret_encrypted"]),
             "event_label": REVEAL_EVENTS.get(entry["event"], entry["event"])}
            for entry in entries or []
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "合作方应用的新密钥",
            "reveals": reveals,
        }
        response = TemplateResponse(request, "admin/procurement/partnerapp/secret_reveal.html", context,
                                    status=200 if reveals else 410)
        # admin_view already adds these; the page must never be cached, whatever wraps it.
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        return response


def _stash_secrets(request, issued) -> str:
    """Keep (app, secret, event) triples for the reveal page, encrypted, in the server-side session."""
    reveal_id = random_secrets.token_urlsafe(16)
    pending = request.session.get(SECRET_REVEALS_SESSION_KEY, {})
    pending[reveal_id] = [
        {"pk": app.pk, "app_id": app.app_id, "name": app.name, "event": event,
         "secret_encrypted": secretbox.encrypt(secret),
         # Text already in the operator's clock: the session's JSON keeps no datetime.
         "previous_until": local_display(app.previous_secret_expires_at) if app.previous_secret_expires_at else None}
        for app, secret, event in issued
    ]
    while len(pending) > MAX_PENDING_REVEALS:
        pending.pop(next(iter(pending)))
    request.session[SECRET_REVEALS_SESSION_KEY] = pending
    return reveal_id


def _reveal_url(model_admin, reveal_id: str) -> str:
    return reverse("admin:procurement_partnerapp_secret", args=[reveal_id], current_app=model_admin.admin_site.name)


@admin.register(Intent)
class IntentAdmin(ServiceModelAdminMixin, PlainActionCheckboxMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """
    Intents through the services (IntentAdminForm): adding one (the operator picks the
    app), editing, deleting. Built for a million rows (LargeTableAdminMixin: an estimated
    count, page links up to 200 pages, no facet counts, sorting by `sortable_by` only) and
    no date hierarchy; each filter, search and sort below is served by an index (see
    Intent.Meta and migration 0003's trigram index on PostgreSQL).
    """

    form = IntentAdminForm
    # Lean enough for a 1,366-px screen (with the template's wrapping rules): quantity and remark are on
    # the change page.
    list_display = ["id", "app_name", "user_id", "platform", "status", "short_title", "price", "created_at"]
    list_filter = ["status", "platform", "app", ("created_at", admin.DateFieldListFilter)]
    # id and user_id exactly (Django's "=" prefix is iexact, UPPER(col) = UPPER(term), which no
    # B-tree on the column serves), title contains (a trigram index on PostgreSQL); a whole
    # product URL is searched by its digest (get_search_results).
    search_fields = ["id__exact", "user_id__exact", "title__icontains"]
    search_help_text = "按意向 ID 或用户 ID(完全一致)、标题(包含)搜索;输入完整的商品链接(http/https)按链接查找。"
    list_select_related = ["app"]
    ordering = ["-created_at", "-id"]
    sortable_by = ["id", "created_at"]
    list_per_page = 50
    add_fields = ["app", "user_id", "platform", "product_url", "title", "price", "quantity", "remark", "status"]
    change_fields = ["id", "app", "user_id", "platform", "product_url", "product_url_digest", "title", "price",
                     "quantity", "remark", "status", "created_at", "updated_at"]

    @admin.display(description="应用")
    def app_name(self, obj):
        return obj.app.name

    @admin.display(description="标题")
    def short_title(self, obj):
        return Truncator(obj.title).chars(TITLE_COLUMN_CHARS) if obj.title else self.get_empty_value_display()

    def get_fields(self, request, obj=None):
        return self.change_fields if obj else self.add_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["status"]  # a new intent is always SUBMITTED
        # The app is the intent's tenant: the API never moves an intent to another app.
        return ["id", "app", "product_url_digest", "created_at", "updated_at"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.startswith(("http://", "https://")):
            return queryset.filter(product_url_digest=url_digest(term)), False
        return super().get_search_results(request, queryset, search_term)

    def get_deleted_objects(self, objs, request):
        # The confirmation page lists every object: beyond MAX_BULK_DELETE (a "select all" of a
        # million rows) it would never render. Refused as Django refuses protected objects.
        if not isinstance(objs, list) and objs[:MAX_BULK_DELETE + 1].count() > MAX_BULK_DELETE:
            return [], {}, set(), [f"一次最多删除 {MAX_BULK_DELETE:,} 个采购意向:请先用过滤或搜索缩小范围。"]
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, obj):
        _delete_intent(obj)

    def delete_queryset(self, request, queryset):
        for intent in queryset.select_related("app").only("id", "app__id", "app__app_id"):
            _delete_intent(intent)


# The most intents one delete confirmation lists and deletes.
MAX_BULK_DELETE = 1000
# Long titles wrap rows and push the list wider than a 1,366-px screen.
TITLE_COLUMN_CHARS = 16


def _delete_intent(intent: Intent) -> None:
    try:
        services.intent_delete(app=intent.app, intent_id=intent.pk)
    except ServiceError:
        pass  # gone already (deleted meanwhile, here or through the API): what the operator asked for
