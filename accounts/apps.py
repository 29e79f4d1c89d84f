from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户账户"

    def ready(self):
        from django.contrib import admin

        from accounts import schema  # noqa: F401  (registers the JWT security scheme)
        from accounts.forms import AdminLoginForm

        # The admin's login is slowed after failed passwords like the API's (accounts.services).
        admin.site.login_form = AdminLoginForm
