from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "核心平台"

    def ready(self):
        from django.db.models.signals import post_migrate

        from core.admin import name_default_permissions_in_chinese

        # core comes after django.contrib.auth in INSTALLED_APPS, so this runs after
        # auth's create_permissions for each app and finds the permissions it made.
        post_migrate.connect(name_default_permissions_in_chinese, dispatch_uid="core.name_default_permissions_in_chinese")
