"""
Django admin for users and the batch status-change records.

Status is read-only on the user form: it changes only through the actions
below, which call the same service as the API and the command, so every change
is recorded, deactivated users' tokens die at once, and only a superuser changes
the status of staff and superuser accounts.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from accounts.models import StatusChangeBatch, User
from accounts.services import user_batch_set_status, user_can_change_privileged_accounts
from accounts.constants import BATCH_MAX_USERS
from core.admin import ReadOnlyAdminMixin


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("username",)


class UserEditForm(UserChangeForm):
    avatar_url = forms.URLField(required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower() or None

    def clean_phone(self):
        return (self.cleaned_data.get("phone") or "").strip() or None


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("id", "username", "nickname", "email", "phone", "user_type", "status", "is_staff", "created_at")
    list_filter = ("status", "user_type", "is_staff", "is_superuser", "gender")
    search_fields = ("username", "nickname", "real_name", "email", "phone")
    ordering = ("-id",)
    readonly_fields = ("status", "token_version", "last_login", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("nickname", "real_name", "email", "phone", "avatar_url", "gender", "birthday",
                                "user_type")}),
        ("Status (change it with the list actions)", {"fields": ("status", "token_version")}),
        ("Permissions", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    actions = ("deactivate_users", "activate_users")
    # Who gets or loses admin rights: only a superuser may set these (see get_readonly_fields).
    privilege_fields = ("is_staff", "is_superuser", "groups", "user_permissions")

    def has_change_permission(self, request, obj=None):
        # The service's rule for status, on the form and the password form too: without it a
        # staff user with the change permission could reset a superuser's password and log
        # in as them. Such accounts stay readable (view or change permission).
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.pk == request.user.pk or not (obj.is_staff or obj.is_superuser):
            return True
        return user_can_change_privileged_accounts(actor=request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not user_can_change_privileged_accounts(actor=request.user):
            fields += self.privilege_fields  # nobody grants themselves or others rights they lack
        return fields

    def _set_status(self, request, queryset, status):
        # The service applies the privilege rule for the signed-in staff user: without
        # superuser rights, staff and superuser accounts are left alone and named here.
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        changed = unchanged = 0
        skipped_self = False
        skipped_privileged: list[int] = []
        for start in range(0, len(ids), BATCH_MAX_USERS):
            result = user_batch_set_status(
                user_ids=ids[start:start + BATCH_MAX_USERS], status=status,
                source=StatusChangeBatch.Source.ADMIN, actor=request.user,
            )
            changed += result.changed
            unchanged += len(result.unchanged_ids)
            skipped_self = skipped_self or result.skipped_self
            skipped_privileged += result.skipped_privileged_ids
        self.message_user(request, f"{changed} user(s) set to {status}; {unchanged} already were.", messages.SUCCESS)
        if skipped_self:
            self.message_user(request, "Your own account was left unchanged.", messages.WARNING)
        if skipped_privileged:
            self.message_user(
                request,
                f"{len(skipped_privileged)} staff or superuser account(s) left unchanged (ids "
                f"{', '.join(map(str, skipped_privileged))}): only a superuser may change their status.",
                messages.WARNING,
            )

    @admin.action(description="Deactivate selected users (their tokens stop working at once)",
                  permissions=["change"])
    def deactivate_users(self, request, queryset):
        self._set_status(request, queryset, User.Status.INACTIVE)

    @admin.action(description="Activate selected users", permissions=["change"])
    def activate_users(self, request, queryset):
        self._set_status(request, queryset, User.Status.ACTIVE)


@admin.register(StatusChangeBatch)
class StatusChangeBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail: read-only."""

    list_display = ("id", "created_at", "actor_label", "source", "status", "changed_count", "requested_count",
                    "skipped_self")
    list_filter = ("source", "status")
    search_fields = ("actor_label",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_select_related = ("actor",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
