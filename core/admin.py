"""
Admin pieces shared by the apps: read-only registrations, counts that do not scan
big tables, and forms whose save is a service call (one path for every write).
"""
import json

from django import forms
from django.core.paginator import Paginator
from django.db import connections, router, transaction
from django.utils.functional import cached_property

from core.exceptions import ServiceError


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


class EstimatedCountPaginator(Paginator):
    """
    Counting a million-row table for the page links costs more than the page: on
    PostgreSQL a large result's count is the planner's estimate (EXPLAIN), and
    only small results are counted exactly.
    """

    EXACT_BELOW = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            sql, params = queryset.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            estimate = int(plan[0]["Plan"]["Plan Rows"])
            if estimate >= self.EXACT_BELOW:
                return estimate
        return queryset.count()


class ServiceModelForm(forms.ModelForm):
    """
    An admin ModelForm whose write is a service call, so the admin meets the same
    rules as the API (status machine, duplicate rule, username rules, token
    revocation) and a refusal is a form error, never a 500.

    The service runs while the form validates (after the field and model checks),
    inside a savepoint of the admin's own transaction: a ServiceError rolls the
    savepoint back and becomes an error on the field `service_error_field(exc)`
    names (None: the whole form). `save()` then returns what the service wrote;
    the ModelAdmin must not save again (use ServiceModelAdminMixin).

    Subclasses implement `save_through_service(change: bool) -> Model`, reading
    `self.cleaned_data`, `self.changed_data`, `self.original` (the instance as
    loaded, before the form's values were put on it) and `self.request` (set by
    ServiceModelAdminMixin.get_form: the operator, for the service's actor rules).
    """

    request = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original = self.instance.__class__.objects.filter(pk=self.instance.pk).first() \
            if self.instance.pk is not None else None
        self._saved = None

    def save_through_service(self, change: bool):
        raise NotImplementedError

    def service_error_field(self, exc: ServiceError) -> str | None:
        return None

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return
        try:
            with transaction.atomic(using=router.db_for_write(self._meta.model)):
                self._saved = self.save_through_service(change=self.original is not None)
        except ServiceError as exc:
            self.add_error(self.service_error_field(exc), str(exc.message))

    def save(self, commit=True):
        if self._saved is None:
            raise ValueError("save() before a successful is_valid(): nothing was written")
        self.instance = self._saved
        return self._saved

    def save_m2m(self):
        """The service wrote everything the form carries."""


class ServiceModelAdminMixin:
    """For a ModelAdmin whose form is a ServiceModelForm: the form's service call was the save."""

    def get_form(self, request, obj=None, **kwargs):
        # get_form builds a new class per call, so the request set here is this request's only.
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
