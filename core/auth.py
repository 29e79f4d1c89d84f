"""Shared authentication choices, resolved from settings so that apps never import each other."""
from django.conf import settings
from django.utils.module_loading import import_string


def user_authentication_classes() -> list[type]:
    """The classes that authenticate end users (settings.USER_AUTHENTICATION_CLASSES), e.g. JWT."""
    return [import_string(path) for path in settings.USER_AUTHENTICATION_CLASSES]
