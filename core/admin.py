"""Admin pieces shared by the apps."""


class ReadOnlyAdminMixin:
    """
    For records operators read but never write by hand (audit trails, measurements,
    event logs): no add, change or delete in the admin, whatever the user's permissions.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
