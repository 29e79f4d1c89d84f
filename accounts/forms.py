"""Forms of the accounts app used outside the API (Django admin)."""
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts import services
from accounts.errors import Msg
from core.clientip import client_ip
from core.exceptions import ServiceError


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

