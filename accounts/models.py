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
            if not fields.get(unique_optional):
                fields[unique_optional] = None
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
