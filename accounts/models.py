"""The service's user (seed 002): a custom model from the first migration."""
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models


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
    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        INACTIVE = "inactive", "inactive"

    class Gender(models.TextChoices):
        MALE = "male", "male"
        FEMALE = "female", "female"
        OTHER = "other", "other"

    class UserType(models.TextChoices):
        USER = "user", "user"
        FARMER = "farmer", "farmer"
        MERCHANT = "merchant", "merchant"
        ADMIN = "admin", "admin"

    username = models.CharField(max_length=150, unique=True)
    nickname = models.CharField(max_length=64, blank=True, default="")
    real_name = models.CharField(max_length=64, blank=True, default="")
    # NULL, not "", when absent: unique constraints then allow many users without one.
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    phone = models.CharField(max_length=20, unique=True, null=True, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True, default="")
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True, default="")
    birthday = models.DateField(null=True, blank=True)
    user_type = models.CharField(max_length=20, choices=UserType.choices, default=UserType.USER, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    is_staff = models.BooleanField(default=False)
    # Bumped on password change and deactivation; tokens carry it and die when it moves.
    token_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "accounts_user"
        ordering = ["id"]

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
        API = "api", "API"
        ADMIN = "admin", "Django admin"
        COMMAND = "command", "manage.py command"

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too: the record must still say who acted after the actor is deleted.
    actor_label = models.CharField(max_length=150)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=10, choices=User.Status.choices)
    requested_count = models.PositiveIntegerField()
    changed_count = models.PositiveIntegerField()
    changed_ids = models.JSONField(default=list)
    unchanged_ids = models.JSONField(default=list, help_text="already in the requested status")
    missing_ids = models.JSONField(default=list, help_text="no such user")
    skipped_self = models.BooleanField(default=False, help_text="the actor's own id was in the batch and left alone")
    skipped_privileged_ids = models.JSONField(
        default=list, help_text="staff or superuser accounts left alone: the actor was not a superuser")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "accounts_status_change_batch"
        ordering = ["-created_at", "-id"]
        verbose_name = "status change batch"
        verbose_name_plural = "status change batches"

    def __str__(self) -> str:
        return f"{self.actor_label} -> {self.status} ({self.changed_count}/{self.requested_count})"
