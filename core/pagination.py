"""
Partner list pages (seed 001 "分页参数"): `page` (from 1), `pageSize` (default 20,
at most 100), and the whole list query run in one place.

`PartnerListQuery` is declared once per list view (filters, sort fields, fields
offered) and run per request: it refuses unknown parameters, filters, sorts,
counts, and fetches one page of `.values()` rows (two queries; none for rows
when the page is past the end). The caller turns rows into wire dicts.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import math

from core.fields import parse_fields
from core.filters import apply_filters, apply_sort, invalid, refuse_unknown_params
from core.listcounts import cached_total

PAGE_PARAMS = {"page", "pageSize", "sortBy", "sortOrder", "fields"}


def parse_positive_int(params, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise invalid(name, "必须是正整数")
    value = int(raw)
    if value < 1 or (maximum is not None and value > maximum):
        raise invalid(name, f"取值范围 1-{maximum}" if maximum else "必须大于等于 1")
    return value


@dataclass(frozen=True)
class PartnerListQuery:
    """The list language of one resource."""

    filterset_class: type
    sort_fields: dict[str, str]  # wire name -> column
    default_sort: str
    columns: dict[str, str]  # selectable wire name -> column (fields=)
    default_page_size: int = 20
    max_page_size: int = 100
    extra_params: frozenset = field(default_factory=frozenset)

    def allowed_params(self) -> set[str]:
        return PAGE_PARAMS | set(self.filterset_class.base_filters) | set(self.extra_params)

    def schema_parameters(self) -> list:
        """OpenAPI query parameters of this list (pagination, sort, every filter)."""
        from drf_spectacular.utils import OpenApiParameter

        parameters = [
            OpenApiParameter("page", int, description="page number, from 1 (default 1)"),
            OpenApiParameter("pageSize", int, description=f"1-{self.max_page_size} (default {self.default_page_size})"),
            OpenApiParameter("sortBy", str, enum=list(self.sort_fields), description=f"default {self.default_sort}"),
            OpenApiParameter("sortOrder", str, enum=["asc", "desc"], description="default desc"),
        ]
        for name, item in self.filterset_class.base_filters.items():
            description = "comma-separated values" if name.endswith("[in]") else (
                "case-insensitive substring; % and _ match literally" if name.endswith("[like]") else "")
            if name in {"startTime", "endTime"}:
                description = "ISO 8601 (without an offset: UTC); inclusive bound on createdAt"
            parameters.append(OpenApiParameter(name, str, description=description))
        return parameters

    def run(self, params, queryset, to_wire: Callable[[dict, Sequence[str]], dict],
            count_scope: str | None = None) -> dict:
        """
        The page body `{items, total, page, pageSize, totalPages}` for these query params.
        With `count_scope`, totals are remembered until a write to the scope (core.listcounts).
        """
        refuse_unknown_params(params, self.allowed_params())
        page = parse_positive_int(params, "page", 1)
        page_size = parse_positive_int(params, "pageSize", self.default_page_size, self.max_page_size)
        wire_fields = parse_fields(params.get("fields"), list(self.columns)) or list(self.columns)
        queryset = apply_filters(self.filterset_class, params, queryset)
        queryset = apply_sort(params, queryset, self.sort_fields, self.default_sort)

        filters = [(name, value) for name, value in params.items() if name not in PAGE_PARAMS]
        total = cached_total(count_scope, filters, queryset.count)
        offset = (page - 1) * page_size
        items: list[dict] = []
        if offset < total:
            rows = queryset.values(*{self.columns[name] for name in wire_fields})[offset:offset + page_size]
            items = [to_wire(row, wire_fields) for row in rows]
        return {
            "items": items,
            "total": total,
            "page": page,
            "pageSize": page_size,
            "totalPages": math.ceil(total / page_size) if total else 0,
        }
