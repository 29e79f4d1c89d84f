"""
The partner list query language (seed 001): `filter[f]`, `filter[f][in|gte|lte|like]`,
`startTime`/`endTime`, `sortBy`/`sortOrder`, and the refusal of anything else.

A resource declares its filters once with `bracket_filterset(...)` (a django-filter
FilterSet whose parameter names are the bracket names) and its sort fields as a
wire-name → column map; `PartnerListQuery` (core.pagination) runs them. Every
query parameter outside the declared lists is refused with 400/40003, never
silently ignored (django-filter alone would ignore it). Errors are DRF
ValidationErrors whose codes decide the business code in the partner style:
unparsable → 40003, a valid-looking but wrong value (unknown status) → 40001.

`like` is a case-insensitive substring match; the ORM escapes `%` and `_`, so
they match literally. Text values containing NUL are refused before they can
reach PostgreSQL (forms' ProhibitNullCharactersValidator).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from functools import lru_cache

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ErrorDetail, ValidationError

# wire operator -> ORM lookup
OPERATORS = {"": "exact", "in": "in", "gte": "gte", "lte": "lte", "like": "icontains"}


class UTCIsoDateTimeField(IsoDateTimeField):
    """ISO 8601; a value without an offset is read as UTC (not the server's TIME_ZONE)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """`filter[f][in]=A,B` where each value must be one of the choices (else 40001)."""


@dataclass(frozen=True)
class FilterField:
    """One filterable field: its column, the django-filter class for a single value, the operators offered."""

    column: str
    filter_class: type
    operators: tuple[str, ...] = ("",)
    extra: dict = field(default_factory=dict)


def bracket_name(wire: str, operator: str) -> str:
    return f"filter[{wire}]" if not operator else f"filter[{wire}][{operator}]"


def _filter_for(spec: FilterField, operator: str):
    lookup = OPERATORS[operator]
    base = spec.filter_class
    if operator == "in":
        if issubclass(base, django_filters.ChoiceFilter):
            return ChoiceInFilter(field_name=spec.column, lookup_expr="in", **spec.extra)
        in_class = type(f"{base.__name__}In", (django_filters.BaseInFilter, base), {})
        return in_class(field_name=spec.column, lookup_expr="in", **spec.extra)
    if operator == "like":
        return django_filters.CharFilter(field_name=spec.column, lookup_expr=lookup)
    return base(field_name=spec.column, lookup_expr=lookup, **spec.extra)


def bracket_filterset(model, fields: dict[str, FilterField], *, time_column: str | None = None,
                      name: str = "BracketFilterSet") -> type[django_filters.FilterSet]:
    """
    A FilterSet with `filter[<wire>]` / `filter[<wire>][<op>]` parameters for each
    declared field and operator, plus `startTime`/`endTime` (inclusive) on
    `time_column` when given.
    """
    attrs: dict = {}
    for wire, spec in fields.items():
        for operator in spec.operators:
            if operator not in OPERATORS:
                raise ValueError(f"unknown operator {operator!r} for {wire}")
            attrs[bracket_name(wire, operator)] = _filter_for(spec, operator)
    if time_column:
        attrs["startTime"] = UTCIsoDateTimeFilter(field_name=time_column, lookup_expr="gte")
        attrs["endTime"] = UTCIsoDateTimeFilter(field_name=time_column, lookup_expr="lte")
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": []})
    return type(name, (django_filters.FilterSet,), attrs)


def invalid(param: str, reason: str, code: str = "invalid") -> ValidationError:
    """A query error on one parameter, shaped like a field error (40003 for code 'invalid')."""
    return ValidationError({param: [ErrorDetail(reason, code=code)]})


@lru_cache(maxsize=512)
def _narrowed(filterset_class, names: frozenset):
    """The FilterSet with just the filters a request uses: building a form of every
    declared filter costs milliseconds per request, one of one or two almost nothing."""
    attrs = {name: filterset_class.base_filters[name] for name in names}
    attrs["Meta"] = type("Meta", (), {"model": filterset_class._meta.model, "fields": []})
    return type(filterset_class.__name__, (django_filters.FilterSet,), attrs)


def apply_filters(filterset_class, params, queryset):
    """Run the FilterSet; its form errors become a ValidationError with their own codes."""
    names = frozenset(name for name in params.keys() if name in filterset_class.base_filters)
    if not names:
        return queryset
    filterset = _narrowed(filterset_class, names)(data=params, queryset=queryset)
    if not filterset.is_valid():
        detail = {
            name: [ErrorDetail(" ".join(error.messages), code=error.code or "invalid") for error in errors]
            for name, errors in filterset.form.errors.as_data().items()
        }
        raise ValidationError(detail)
    return filterset.qs


def apply_sort(params, queryset, sort_fields: dict[str, str], default_sort: str, tiebreak: str = "pk"):
    """`sortBy` (one of `sort_fields`' wire names) and `sortOrder` (asc|desc, default desc)."""
    sort_by = params.get("sortBy", default_sort)
    if sort_by not in sort_fields:
        raise invalid("sortBy", f"不支持的排序字段,可选: {', '.join(sort_fields)}")
    order = params.get("sortOrder", "desc").lower()
    if order not in {"asc", "desc"}:
        raise invalid("sortOrder", "排序方向只能是 asc 或 desc")
    sign = "-" if order == "desc" else ""
    # A unique tiebreak keeps pages stable when sort values repeat.
    return queryset.order_by(f"{sign}{sort_fields[sort_by]}", f"{sign}{tiebreak}")


def refuse_unknown_params(params, allowed: set[str]) -> None:
    """Every parameter must be a declared one, given once with a value (else 40003)."""
    for name in params.keys():
        if name not in allowed:
            raise invalid(name, "不支持的查询参数")
        values = params.getlist(name)
        if len(values) != 1:
            raise invalid(name, "参数重复")
        if values[0] == "":
            raise invalid(name, "参数值不能为空")
