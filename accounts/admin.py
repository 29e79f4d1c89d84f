"""
Django admin for users and the batch status-change records.

Every write goes through accounts.services, the API's own rules: the add form is
`user_create`, the change form `user_update`, the password form
`user_set_password` (tokens issued before die), and a refusal is a form error.
Status is read-only on the user form: it changes only through the actions below,
which call the same service as the API and the command, so every change is
recorded, deactivated users' tokens die at once, and only a superuser changes
the status of staff and superuser accounts (or edits them, or sets their password).

At production size (100,000 users) no list counts the whole table or offers
per-choice facet counts (core.admin.LargeTableAdminMixin), every filter and
sortable column has an index, and the substring search has trigram indexes on
PostgreSQL (migration 0005).
"""
import copy

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal

from accounts.constants import BATCH_MAX_USERS
from accounts.forms import UserAddForm, UserEditForm, UserPasswordForm
from accounts.models import StatusChangeBatch, User
from accounts.services import USER_PRIVILEGE_FIELDS, user_batch_set_status, user_can_change_privileged_accounts
from core.admin import LargeTableAdminMixin, PlainActionCheckboxMixin, ReadOnlyAdminMixin, ServiceModelAdminMixin
from core.timeutil import local_display


class TrigramSearchMixin:
    """
    Substring search that an index serves: each term of SUBSTRING_MIN characters or
    more matches anywhere in a value (icontains), a shorter one from the start of a
    value (istartswith). On PostgreSQL the pg_trgm indexes of migration 0005 serve
    both; a one- or two-character substring has no trigram to look up and would scan
    the table. `search_fields` are plain field names. Terms are split as Django
    splits them (quotes keep a phrase together); every term must match.
    """

    SUBSTRING_MIN = 3

    def get_search_results(self, request, queryset, search_term):
        fields = self.get_search_fields(request)
        if not (fields and search_term):
            return queryset, False
        for term in smart_split(search_term):
            if term.startswith(('"', "'")) and term[0] == term[-1]:
                term = unescape_string_literal(term)
            lookup = "icontains" if len(term) >= self.SUBSTRING_MIN else "istartswith"
            queryset = queryset.filter(Q.create([(f"{field}__{lookup}", term) for field in fields], connector=Q.OR))
        return queryset, False


@admin.register(User)
class UserAdmin(ServiceModelAdminMixin, PlainActionCheckboxMixin, TrigramSearchMixin, LargeTableAdminMixin,
                DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    change_password_form = UserPasswordForm
    add_form_template = "admin/accounts/user/add_form.html"
    list_display = ("id", "username", "nickname", "email", "phone", "user_type", "status", "is_staff", "created_at")
    list_filter = ("status", "user_type", "is_staff", "is_superuser", "gender")
    search_fields = ("username", "nickname", "real_name", "email", "phone")
    search_help_text = "在用户名、昵称、真实姓名、邮箱、手机号中查找包含该文字的用户(一两个字只匹配开头)。"
    # Each a unique or plain index: sorting 100,000 rows by anything else is a full sort.
    sortable_by = ("id", "username", "email", "phone", "created_at")
    ordering = ("-id",)
    # Rendering a row costs more than reading it: 50 rows keep the page fast on a busy host.
    list_per_page = 50
    readonly_fields = ("status", "token_version", "last_login", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("资料", {"fields": ("nickname", "real_name", "email", "phone", "avatar_url", "gender", "birthday",
                             "user_type")}),
        ("状态(在用户列表中用操作更改)", {"fields": ("status", "token_version")}),
        ("权限", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("日期", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    actions = ("deactivate_users", "activate_users")

    def has_change_permission(self, request, obj=None):
        # The service's rule for status, on the form and the password form too: without it a
        # staff user with the change permission could reset a superuser's password and log
        # in as them. Such accounts stay readable (view or change permission). The services
        # apply the same rule again (user_update, user_set_password).
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.pk == request.user.pk or not (obj.is_staff or obj.is_superuser):
            return True
        return user_can_change_privileged_accounts(actor=request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not user_can_change_privileged_accounts(actor=request.user):
            fields += USER_PRIVILEGE_FIELDS  # nobody grants themselves or others rights they lack
        return fields

    def user_change_password(self, request, id, form_url=""):
        # Django's view builds its form as self.change_password_form(user, data): a copy of
        # this admin with a per-request form class hands the operator to the service.
        view = copy.copy(self)
        view.change_password_form = type("UserPasswordForm", (self.change_password_form,), {"request": request})
        return DjangoUserAdmin.user_change_password(view, request, id, form_url)

    def _set_status(self, request, queryset, status):
        # The service applies the privilege rule for the signed-in staff user: without
        # superuser rights, staff and superuser accounts are left alone and named here.
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        changed = unchanged = 0
        skipped_self = False
        skipped_privileged: list[int] = []
        records = []
        for start in range(0, len(ids), BATCH_MAX_USERS):
            result = user_batch_set_status(
                user_ids=ids[start:start + BATCH_MAX_USERS], status=status,
                source=StatusChangeBatch.Source.ADMIN, actor=request.user,
            )
            changed += result.changed
            unchanged += len(result.unchanged_ids)
            skipped_self = skipped_self or result.skipped_self
            skipped_privileged += result.skipped_privileged_ids
            records.append(result.record)
        label = User.Status(status).label
        already = f",{unchanged} 个本已是该状态" if unchanged else ""
        self.message_user(
            request,
            f"已将 {changed} 个用户设为 {label}{already}。已记入批量状态变更记录 "
            f"{'、'.join(f'#{r.pk}' for r in records)}({local_display(records[0].created_at)})。",
            messages.SUCCESS,
        )
        if skipped_self:
            self.message_user(request, "你自己的账户未做更改。", messages.WARNING)
        if skipped_privileged:
            self.message_user(
                request,
                f"{len(skipped_privileged)} 个职员或超级用户账户未做更改(ID "
                f"{', '.join(map(str, skipped_privileged))}):只有超级用户可以更改它们的状态。",
                messages.WARNING,
            )

    @admin.action(description="停用所选用户(其令牌立即失效)", permissions=["change"])
    def deactivate_users(self, request, queryset):
        self._set_status(request, queryset, User.Status.INACTIVE)

    @admin.action(description="启用所选用户", permissions=["change"])
    def activate_users(self, request, queryset):
        self._set_status(request, queryset, User.Status.ACTIVE)


@admin.register(StatusChangeBatch)
class StatusChangeBatchAdmin(ReadOnlyAdminMixin, TrigramSearchMixin, LargeTableAdminMixin, admin.ModelAdmin):
    """The audit trail: read-only."""

    list_display = ("id", "created_at", "actor_label", "source", "status", "changed_count", "requested_count",
                    "skipped_self")
    # A date filter (today, past 7 days, this month, this year) instead of a date hierarchy,
    # whose year and month links scan the whole table for its distinct dates.
    list_filter = ("source", "status", "created_at")
    search_fields = ("actor_label",)
    search_help_text = "在操作人用户名中查找(一两个字只匹配开头)。"
    sortable_by = ("id", "created_at")
    ordering = ("-created_at", "-id")
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
