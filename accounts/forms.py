"""
Forms of the accounts app used outside the API (Django admin).

Every write of these forms is a call to accounts.services, so the admin meets the
rules the API enforces (username, email and phone formats and uniqueness, the
password rule, token revocation, who may edit whom); a refusal is shown on the
form, never a 500.
"""
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminPasswordChangeForm, SetPasswordMixin, UserChangeForm, UsernameField
from django.core.exceptions import ValidationError

from accounts import services
from accounts.errors import Msg
from accounts.models import User
from core.admin import ServiceModelForm
from core.clientip import client_ip
from core.exceptions import ServiceError

PASSWORD_HELP = f"{services.PASSWORD_MIN}到{services.PASSWORD_MAX}个字符。修改后,此前签发的令牌全部失效。"


class AdminLoginForm(AdminAuthenticationForm):
    """
    The admin's login form, checking credentials through `services.user_authenticate`,
    so that the admin login is slowed after failed passwords exactly as the API's is
    (it would otherwise be an unlimited guessing oracle beside it). Any refusal other
    than the slowing reads as Django's own "wrong username or password".
    """

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                user = services.user_authenticate(identifier=username, password=password,
                                                  client_ip=client_ip(self.request))
            except ServiceError as error:
                if error.status_code == 429:
                    raise ValidationError(str(Msg.LOGIN_LOCKED), code="throttled") from error
                raise self.get_invalid_login_error() from error
            # django.contrib.auth.login() needs to know which backend vouched for the user.
            user.backend = "django.contrib.auth.backends.ModelBackend"
            self.user_cache = user
            self.confirm_login_allowed(user)
        return self.cleaned_data


def _error_field(form: forms.BaseForm, exc: ServiceError, renames: dict | None = None) -> str | None:
    """The form field a service refusal is about (services.UserFieldError.field), if the form has it."""
    field = getattr(exc, "field", None)
    field = (renames or {}).get(field, field)
    return field if field in form.fields else None


class _ServiceUniqueness:
    """
    Uniqueness is the service's to judge, with the API's messages and under a race
    too (a unique index hit after the check is a form error as well): the model's
    own pre-check would only say it a second time, differently.
    """

    def validate_unique(self):
        pass


class UserAddForm(_ServiceUniqueness, SetPasswordMixin, ServiceModelForm):
    """Django admin's add form: `services.user_create`, the path registration takes."""

    password1, password2 = SetPasswordMixin.create_password_fields()

    class Meta:
        model = User
        fields = ("username",)
        field_classes = {"username": UsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autofocus"] = True
        self.fields["password1"].help_text = PASSWORD_HELP

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def save_through_service(self, change: bool):
        return services.user_create(username=self.cleaned_data["username"], password=self.cleaned_data["password1"],
                                    actor=self.request.user)

    def service_error_field(self, exc):
        return _error_field(self, exc, {"password": "password1"})


class UserEditForm(_ServiceUniqueness, ServiceModelForm, UserChangeForm):
    """Django admin's change form: `services.user_update` with the fields the operator changed."""

    avatar_url = forms.URLField(label=User._meta.get_field("avatar_url").verbose_name, required=False,
                                max_length=500, assume_scheme="https")

    class Meta:
        model = User
        fields = "__all__"

    def save_through_service(self, change: bool):
        editable = {*services.USER_EDITABLE_FIELDS, *services.USER_PRIVILEGE_FIELDS}
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in editable}
        return services.user_update(user_id=self.instance.pk, changes=changes, actor=self.request.user)

    def service_error_field(self, exc):
        return _error_field(self, exc)


class UserPasswordForm(AdminPasswordChangeForm):
    """
    Django admin's password form: `services.user_set_password`, which moves the
    user's token_version (tokens issued before answer 401) and applies the API's
    password rule. Like ServiceModelForm, the write happens while the form
    validates, so a refusal becomes a form error. `request` is set per request
    (accounts.admin.UserAdmin.user_change_password).
    """

    request = None

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["password1"].help_text = PASSWORD_HELP
        if "usable_password" in self.fields:
            # Django's help text ends in an English warning its catalogue does not translate.
            self.fields["usable_password"].help_text = (
                "用户能否用密码登录。禁用后,该用户当前的密码将丢失,此前签发的令牌全部失效。")

    def clean(self):
        cleaned = super().clean()
        if self._errors:
            return cleaned
        usable = cleaned.get("set_usable_password", True)
        if not usable and "unset-password" not in self.data:
            return cleaned  # Django's view refuses this conflicting submission; nothing is written
        try:
            self.user = services.user_set_password(user_id=self.user.pk,
                                                   password=cleaned["password1"] if usable else None,
                                                   actor=self.request.user)
        except ServiceError as exc:
            self.add_error(_error_field(self, exc, {"password": "password1"}), str(exc.message))
        return cleaned

    def save(self, commit=True):
        """The service saved it while the form validated."""
        return self.user
