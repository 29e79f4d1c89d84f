"""
Input and output shapes of the accounts API (seed 002, contract §6).

Input serializers only parse and validate; every write happens in services.
The user JSON is snake_case and never carries the password or staff flags.
"""
from rest_framework import serializers

from accounts.constants import BATCH_MAX_USERS
from accounts.errors import Msg, all_errors
from accounts.models import User
from accounts.services import (
    PASSWORD_MAX, USERNAME_MAX, UserFieldError, avatar_problem, birthday_problem, email_normalize, password_problem,
    phone_normalize, username_problem,
)
from core.serializer_fields import QueryIntegerField, StrictCharField, StrictEmailField, StrictIntegerField
from core.timeutil import isoformat_z

# The username, password, email, phone, avatar and birthday rules live in accounts.services
# (one rule set for the API and Django admin); these fields call them.


class UtcDateTimeField(serializers.DateTimeField):
    """Instants as the service writes them everywhere: ISO 8601 UTC, milliseconds, `Z`."""

    def to_representation(self, value):
        return isoformat_z(value) if value else None


class UserSerializer(serializers.ModelSerializer):
    """The user JSON of contract §6."""

    created_at = UtcDateTimeField(read_only=True)
    updated_at = UtcDateTimeField(read_only=True)
    # Both are "" when never set: the schema must allow the empty string (the model fields are blank=True).
    avatar_url = serializers.CharField(read_only=True, help_text="http(s) URL, or empty when not set")
    gender = serializers.ChoiceField(choices=User.Gender.choices, allow_blank=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "username", "nickname", "real_name", "email", "phone", "avatar_url", "gender",
            "birthday", "user_type", "status", "created_at", "updated_at",
        ]
        read_only_fields = fields


def _validate_phone(value):
    try:
        return phone_normalize(value)
    except UserFieldError as error:
        raise serializers.ValidationError(error.message)


class RegisterInput(serializers.Serializer):
    username = StrictCharField(max_length=USERNAME_MAX, error_messages=all_errors(Msg.CREDENTIALS_REQUIRED))
    password = StrictCharField(trim_whitespace=False, error_messages=all_errors(Msg.CREDENTIALS_REQUIRED))
    nickname = StrictCharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.NICKNAME_INVALID)
    )
    email = StrictEmailField(
        max_length=254, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.EMAIL_INVALID)
    )
    phone = StrictCharField(
        max_length=21, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.PHONE_INVALID)
    )

    def validate_username(self, value):
        problem = username_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_password(self, value):
        problem = password_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_email(self, value):
        return email_normalize(value)

    def validate_phone(self, value):
        return _validate_phone(value)


class LoginInput(serializers.Serializer):
    username = StrictCharField(max_length=254, error_messages=all_errors(Msg.CREDENTIALS_REQUIRED))
    password = StrictCharField(
        trim_whitespace=False, max_length=PASSWORD_MAX, error_messages=all_errors(Msg.CREDENTIALS_REQUIRED)
    )


class ProfileUpdateInput(serializers.Serializer):
    """002's six fields; anything else in the body is ignored. Empty or null clears a field."""

    nickname = StrictCharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.NICKNAME_INVALID)
    )
    avatar = StrictCharField(
        max_length=500, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.AVATAR_INVALID)
    )
    gender = serializers.ChoiceField(
        choices=User.Gender.values, required=False, allow_blank=True, allow_null=True,
        error_messages=all_errors(Msg.GENDER_INVALID),
    )
    birthday = serializers.DateField(
        input_formats=["%Y-%m-%d"], required=False, allow_null=True, error_messages=all_errors(Msg.BIRTHDAY_INVALID)
    )
    phone = StrictCharField(
        max_length=21, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.PHONE_INVALID)
    )
    email = StrictEmailField(
        max_length=254, required=False, allow_blank=True, allow_null=True, error_messages=all_errors(Msg.EMAIL_INVALID)
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not any(name in data for name in self.fields):
            raise serializers.ValidationError({"body": [Msg.NO_VALID_FIELDS]})
        # "" for a birthday means "clear it", like the other fields.
        if data.get("birthday") == "":
            data = {**data, "birthday": None}
        return super().to_internal_value(data)

    def validate_nickname(self, value):
        return value or ""

    def validate_avatar(self, value):
        problem = avatar_problem(value or "")
        if problem:
            raise serializers.ValidationError(problem)
        return value or ""

    def validate_gender(self, value):
        return value or ""

    def validate_birthday(self, value):
        problem = birthday_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_phone(self, value):
        return _validate_phone(value)

    def validate_email(self, value):
        return email_normalize(value)

    def changes(self) -> dict:
        """The validated fields as model field names (002's `avatar` is stored as `avatar_url`)."""
        data = dict(self.validated_data)
        if "avatar" in data:
            data["avatar_url"] = data.pop("avatar")
        return data


class UserSearchInput(serializers.Serializer):
    keyword = serializers.CharField(
        max_length=100, required=False, allow_blank=True, error_messages=all_errors(Msg.KEYWORD_INVALID)
    )
    userType = serializers.ChoiceField(
        choices=User.UserType.values, required=False, allow_blank=True, error_messages=all_errors(Msg.USER_TYPE_INVALID)
    )
    page = QueryIntegerField(min_value=1, max_value=1_000_000, required=False, default=1,
                             error_messages=all_errors(Msg.PAGE_INVALID))
    pageSize = QueryIntegerField(min_value=1, max_value=100, required=False, default=10,
                                 error_messages=all_errors(Msg.PAGE_SIZE_INVALID))


class BatchStatusInput(serializers.Serializer):
    # Ids are JSON integers only (StrictIntegerField): "2", "2.0", 2.0 and true are not ids. The
    # upper bound is the database's bigint: a larger id is refused here, not by the database.
    userIds = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1, error_messages=all_errors(Msg.USER_IDS_INVALID)),
        allow_empty=False, error_messages=all_errors(Msg.SELECT_USERS),
    )
    status = serializers.ChoiceField(choices=User.Status.values, error_messages=all_errors(Msg.INVALID_STATUS))

    def validate_userIds(self, value):
        if len(value) > BATCH_MAX_USERS:
            raise serializers.ValidationError(Msg.TOO_MANY_USERS)
        return value


# Output shapes, for the OpenAPI schema (the views return plain dicts of these shapes).
class AuthResult(serializers.Serializer):
    user = UserSerializer()
    token = serializers.CharField(help_text="JWT access token; send as `Authorization: Bearer <token>`")


class ProfileResult(serializers.Serializer):
    user = UserSerializer()


class ProfileUpdateResult(serializers.Serializer):
    user = UserSerializer()
    message = serializers.CharField(default=Msg.PROFILE_UPDATED)


class UserSearchResult(serializers.Serializer):
    users = UserSerializer(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    pageSize = serializers.IntegerField()
    pages = serializers.IntegerField()


class BatchStatusResult(serializers.Serializer):
    message = serializers.CharField()
    affectedRows = serializers.IntegerField(help_text="users whose status this request changed")
    unchangedIds = serializers.ListField(child=serializers.IntegerField(), help_text="already in that status")
    notFoundIds = serializers.ListField(child=serializers.IntegerField(), help_text="no such user")
    skippedSelf = serializers.BooleanField(help_text="the caller's own id was given and left alone")
    skippedPrivilegedIds = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="staff or superuser accounts left alone: only a superuser may change their status")


class HealthResult(serializers.Serializer):
    status = serializers.ChoiceField(choices=["OK"])
    timestamp = serializers.CharField()
    uptime = serializers.FloatField(help_text="seconds since the process started")
    environment = serializers.CharField()


class HealthDownResult(HealthResult):
    status = serializers.ChoiceField(choices=["ERROR"])
    details = serializers.CharField(help_text="which dependency is down, without internals")


class MemoryUsage(serializers.Serializer):
    rss = serializers.IntegerField(allow_null=True, help_text="resident set size, bytes")
    peakRss = serializers.IntegerField(allow_null=True, help_text="peak resident set size, bytes")
    virtual = serializers.IntegerField(allow_null=True, help_text="virtual memory size, bytes")


class SystemStatsResult(serializers.Serializer):
    status = serializers.CharField()
    timestamp = serializers.CharField()
    environment = serializers.CharField()
    pythonVersion = serializers.CharField()
    pythonImplementation = serializers.CharField()
    djangoVersion = serializers.CharField()
    memoryUsage = MemoryUsage()
    uptime = serializers.FloatField()
    cpuCount = serializers.IntegerField(allow_null=True)
    platform = serializers.CharField()
    architecture = serializers.CharField()
    pid = serializers.IntegerField()
