"""Optional end-user authentication for event batches (contract §1: "events: optional")."""
from rest_framework import exceptions

from core.auth import user_authentication_classes


class OptionalUserAuthentication:
    """
    Try the service's end-user authentication (settings.USER_AUTHENTICATION_CLASSES)
    but never refuse the request: a valid token names the caller in the request
    log; a missing, expired or revoked token leaves the request anonymous.

    Why: an app whose token has just expired still sends its queued events,
    and refusing them would lose analytics the client cannot easily resend.
    """

    def authenticate(self, request):
        for auth_class in user_authentication_classes():
            try:
                result = auth_class().authenticate(request)
            except (exceptions.AuthenticationFailed, exceptions.PermissionDenied):
                return None
            if result is not None:
                return result
        return None

    def authenticate_header(self, request):
        return None
