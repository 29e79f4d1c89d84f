"""The service's user (seed 002): a custom model from the first migration."""
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models

from core.timeutil import local_display


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        if not username:
            raise ValueError("username is required")
        for unique_optional in ("email", "phone"):
            value = (fields.get(unique_optional) or "").strip()
            fields[unique_optional] = value or None
        if fields["email"]:
            fields["email"] = fields["email"].lower()  # stored lower-cased: login by email ignores case
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("user_type", User.UserType.ADMIN)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    # Choice labels keep the API value readable beside its Chinese name: operators read
    # the admin and the API's JSON side by side. The values are the wire format.
    class Status(models.TextChoices):
        ACTIVE = "active", "active(正常)"
        INACTIVE = "inactive", "inactive(停用)"

    class Gender(models.TextChoices):
        MALE = "male", "male(男)"
        FEMALE = "female", "female(女)"
        OTHER = "other", "other(其他)"

    class UserType(models.TextChoices):
        USER = "user", "user(普通用户)"
        FARMER = "farmer", "farmer(农户)"
        MERCHANT = "merchant", "merchant(商家)"
        ADMIN = "admin", "admin(管理员)"

    username = models.CharField(
        "用户名", max_length=150, unique=True,
        help_text="登录名,不超过150个字符;不能含空白或 @,也不能是手机号的形状(登录时用户名、邮箱、手机号共用一个输入框)。")
    nickname = models.CharField("昵称", max_length=64, blank=True, default="")
    real_name = models.CharField("真实姓名", max_length=64, blank=True, default="")
    # NULL, not "", when absent: unique constraints then allow many users without one.
    email = models.EmailField("邮箱", max_length=254, unique=True, null=True, blank=True,
                              help_text="可用于登录;保存为小写。")
    phone = models.CharField("手机号", max_length=20, unique=True, null=True, blank=True,
                             help_text="可用于登录;6到20位数字,可以 + 开头。")
    avatar_url = models.URLField("头像URL", max_length=500, blank=True, default="")
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True, default="")
    birthday = models.DateField("生日", null=True, blank=True)
    user_type = models.CharField("用户类型", max_length=20, choices=UserType.choices, default=UserType.USER,
                                 db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True,
                              help_text="停用的用户无法登录,已签发的令牌立即失效。")
    is_staff = models.BooleanField("职员状态", default=False, help_text="可以登录此管理后台。")
    # Bumped on password change and deactivation; tokens carry it and die when it moves.
    token_version = models.PositiveIntegerField(
        "令牌版本", default=0, help_text="修改密码或停用时加一:此前签发的令牌全部失效。")
    created_at = models.DateTimeField("注册时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "accounts_user"
        ordering = ["id"]
        verbose_name = "用户"
        verbose_name_plural = "用户"
        # Behind the admin's list filters (status and user_type have db_index). Staff and
        # superusers are a handful among 100,000 users: partial indexes hold only them.
        # The admin's substring search has trigram indexes on PostgreSQL (migration 0005).
        indexes = [
            models.Index(fields=["is_staff"], condition=models.Q(is_staff=True), name="accounts_user_staff_idx"),
            models.Index(fields=["is_superuser"], condition=models.Q(is_superuser=True),
                         name="accounts_user_superuser_idx"),
            models.Index(fields=["gender"], name="accounts_user_gender_idx"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def save(self, *args, **kwargs):
        # A real password change (set_password followed by save: the API, the admin's
        # password form, `manage.py changepassword`) moves token_version so that every
        # token issued before it dies at once. A hash upgrade during check_password
        # clears `_password` before saving, so it does not count as a change.
        if getattr(self, "_password", None) is not None and not self._state.adding:
            self.token_version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "token_version"}
        super().save(*args, **kwargs)


class StatusChangeBatch(models.Model):
    """
    One batch status change of users, as an operator made it (API, admin action or
    manage.py command). Kept for the audit trail shown in Django admin.
    """

    class Source(models.TextChoices):
        API = "api", "api(接口)"
        ADMIN = "admin", "admin(管理后台)"
        COMMAND = "command", "command(manage.py 命令)"

    actor = models.ForeignKey(User, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    # Kept as text too: the record must still say who acted after the actor is deleted.
    actor_label = models.CharField("操作人用户名", max_length=150, help_text="操作人的账户删除后仍然保留。")
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    status = models.CharField("设为状态", max_length=10, choices=User.Status.choices)
    requested_count = models.PositiveIntegerField("请求用户数")
    changed_count = models.PositiveIntegerField("变更用户数")
    changed_ids = models.JSONField("已变更的用户ID", default=list)
    unchanged_ids = models.JSONField("未变更的用户ID", default=list, help_text="本已处于该状态")
    missing_ids = models.JSONField("不存在的用户ID", default=list, help_text="没有这个用户")
    skipped_self = models.BooleanField("跳过了操作人本人", default=False,
                                       help_text="操作人自己的ID在这批里,未更改")
    skipped_privileged_ids = models.JSONField(
        "跳过的职员和超级用户ID", default=list, help_text="操作人不是超级用户,这些职员或超级用户账户未更改")
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        db_table = "accounts_status_change_batch"
        ordering = ["-created_at", "-id"]
        # The admin's list filters, each with the list's order (newest first).
        indexes = [
            models.Index(fields=["source", "-created_at"], name="accounts_batch_source_idx"),
            models.Index(fields=["status", "-created_at"], name="accounts_batch_status_idx"),
        ]
        verbose_name = "批量状态变更记录"
        verbose_name_plural = "批量状态变更记录"

    def __str__(self) -> str:
        return (f"{local_display(self.created_at)} {self.actor_label} → {self.get_status_display()} "
                f"({self.changed_count}/{self.requested_count})")
