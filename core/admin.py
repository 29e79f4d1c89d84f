"""
Admin pieces shared by the apps: read-only registrations, counts that do not scan
big tables, and forms whose save is a service call (one path for every write).
"""
from datetime import date, datetime, time, timedelta
import json

from django import forms
from django.apps import apps as global_apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.html import format_html

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
            try:
                sql, params = queryset.query.sql_with_params()
            except EmptyResultSet:  # a filter that matches nothing (queryset.none(), pk__in=[]): no SQL to explain
                return 0
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            estimate = int(plan[0]["Plan"]["Plan Rows"])
            if estimate >= self.EXACT_BELOW:
                return estimate
        return queryset.count()


class BoundedPagesPaginator(EstimatedCountPaginator):
    """
    An estimated count whose page links stop at MAX_PAGES: a page is read with OFFSET,
    which walks every row before it, so the last of 200,000 pages of an event log
    takes seconds (and the last pages of the daily actives, half a minute). The count
    shown stays the estimate; rows further back are reached through the filters and
    the search, and a hand-written ?p= past the bound answers ?e=1, as any page
    past the end does.
    """

    MAX_PAGES = 200
    # From this many rows in, a page is read in two steps: the ids (OFFSET over an
    # index-only scan of the list's index, no table rows fetched), then the page's rows.
    DEFERRED_FROM = 1_000

    @cached_property
    def num_pages(self):
        return min(super().num_pages, self.MAX_PAGES)

    def page(self, number):
        page = super().page(number)
        if (page.number - 1) * self.per_page >= self.DEFERRED_FROM:
            ids = list(page.object_list.values_list("pk", flat=True))
            page.object_list = self.object_list.filter(pk__in=ids)  # the list's own order
        return page


class LargeTableAdminMixin:
    """
    For change lists over millions of rows (event logs, daily actives, measurements):
    the page count is estimated and the page links stop where OFFSET stays cheap
    (BoundedPagesPaginator), the "N total" second COUNT is skipped, and the filters'
    "显示计数" facets, one COUNT over the table for every choice of every filter, are
    not offered. Declare `sortable_by` and `search_fields` so that an index serves
    each of them (exact lookups, not `=`, which is a case-insensitive match no B-tree
    on the column serves).
    """

    paginator = BoundedPagesPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request, **kwargs):
        return SortableByChangeList


class PlainActionCheckboxMixin:
    """
    The change list's row checkbox, the same markup as Django's, written directly: Django
    renders a form widget through the template engine for every row, a fifth to a third
    of the time a 50-row page takes.
    """

    def action_checkbox(self, obj):
        label = format_html(translation.gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, str(obj.pk), label)


class SortableByChangeList(ChangeList):
    """A change list that orders only by `sortable_by` columns, even from a hand-written ?o= in the URL."""

    def get_ordering_field(self, field_name):
        if field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class LocalDayListFilter(admin.SimpleListFilter):
    """
    The rows whose date-time `field_name` falls on one day of the service time zone
    (TIME_ZONE), as a half-open range on the field so that its index serves it (a
    `__date` lookup would convert every row). The last `days` days are offered; any
    other day works through ?<parameter_name>=YYYY-MM-DD. The title names the zone
    the days are cut in, so an operator never reads them as UTC days.

    Subclasses set `field_name`, `parameter_name` and `title_base`.
    """

    field_name: str
    title_base: str
    days = 14

    def __init__(self, request, params, model, model_admin):
        # Read per request: the active time zone is the service's unless a request activates another.
        self.title = f"{self.title_base}(服务时区 {timezone.get_current_timezone_name()})"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        today = timezone.localdate()
        days = [today - timedelta(days=n) for n in range(self.days)]
        return [(day.isoformat(), day.isoformat()) for day in days]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            day = date.fromisoformat(self.value())
        except ValueError as exc:  # as Django's own filters answer a malformed value: the list with ?e=1
            raise IncorrectLookupParameters(exc) from exc
        return queryset.filter(**{f"{self.field_name}__gte": local_midnight(day),
                                  f"{self.field_name}__lt": local_midnight(day + timedelta(days=1))})


def local_midnight(day: date) -> datetime:
    """The instant a day of the current time zone begins (computed per day, so right across DST changes)."""
    return timezone.make_aware(datetime.combine(day, time.min))


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


# Django names the default permissions in English ("Can add group") when it creates
# them, and never renames them; the group and user pages list them by name.
PERMISSION_ACTION_LABELS = {"add": "增加", "change": "修改", "delete": "删除", "view": "查看"}


def name_default_permissions_in_chinese(app_config, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """
    post_migrate receiver (connected after auth's create_permissions): names an app's
    default permissions in the service language, "可以查看事件", from each model's
    verbose name (Django's own models through their translations). Idempotent: only
    names that differ are written.
    """
    if app_config.models_module is None:
        return
    try:
        permission_model = apps.get_model("auth", "Permission")
        content_type_model = apps.get_model("contenttypes", "ContentType")
    except LookupError:
        return
    if not router.allow_migrate_model(using, permission_model):
        return
    changed = []
    with translation.override(settings.LANGUAGE_CODE):
        for model in app_config.get_models():
            opts = model._meta
            content_type = content_type_model.objects.db_manager(using).get_for_model(model, for_concrete_model=False)
            names = {get_permission_codename(action, opts): f"可以{PERMISSION_ACTION_LABELS[action]}{opts.verbose_name}"
                     for action in opts.default_permissions if action in PERMISSION_ACTION_LABELS}
            for permission in permission_model.objects.using(using).filter(content_type=content_type,
                                                                          codename__in=names):
                name = names[permission.codename][:255]
                if permission.name != name:
                    permission.name = name
                    changed.append(permission)
    permission_model.objects.using(using).bulk_update(changed, ["name"])
